import { describe, expect, it } from "vitest";
import { decideClientRequest } from "./client-requests";

const server = (allowElicitation = true, allowSampling = false) => ({
  name: "helper",
  allowElicitation,
  allowSampling,
});
const rules = { loopbackUrls: false };

describe("decideClientRequest", () => {
  it("allows form elicitation and roots by default, refuses sampling by default", () => {
    expect(decideClientRequest(server(), "elicitation/create", { message: "?" }, rules)).toEqual({
      effect: "allow",
    });
    expect(decideClientRequest(server(), "roots/list", {}, rules)).toEqual({ effect: "allow" });
    expect(decideClientRequest(server(), "sampling/createMessage", {}, rules)).toEqual({
      effect: "deny",
      reason: "server 'helper' is not allowed to sample the client's model (allowSampling is off)",
    });
    expect(decideClientRequest(server(true, true), "sampling/createMessage", {}, rules)).toEqual({
      effect: "allow",
    });
  });

  it("refuses elicitation of a server whose elicitation is off", () => {
    expect(decideClientRequest(server(false), "elicitation/create", {}, rules)).toEqual({
      effect: "deny",
      reason: "server 'helper' is not allowed to ask the user for input (allowElicitation is off)",
    });
  });

  it("opens only https URLs, and loopback http only where the operator allows loopback", () => {
    const url = (u: string, loopbackUrls = false) =>
      decideClientRequest(server(), "elicitation/create", { mode: "url", url: u }, { loopbackUrls }).effect;
    expect(url("https://login.example.com/x")).toBe("allow");
    expect(url("http://login.example.com/x")).toBe("deny");
    expect(url("http://127.0.0.1:3000/x")).toBe("deny");
    expect(url("http://127.0.0.1:3000/x", true)).toBe("allow");
    expect(url("http://login.example.com/x", true)).toBe("deny");
    expect(url("javascript:alert(1)", true)).toBe("deny");
    expect(url("not a url")).toBe("deny");
  });
});
