import type { OAuthClientProvider } from "@modelcontextprotocol/client";

type Provider = OAuthClientProvider;
type ClientInfo = Awaited<ReturnType<Provider["clientInformation"]>>;
type Tokens = Awaited<ReturnType<Provider["tokens"]>>;

/**
 * An MCP client's side of OAuth, in memory: what Claude Code or Cursor keep on disk. The
 * authorization URL the SDK wants opened is kept for the test to drive (a browser or HTTP).
 */
export class MemoryOAuthClient implements Provider {
  authorizationUrl: URL | null = null;
  info: ClientInfo;
  stored: Tokens;
  private verifier = "";

  constructor(
    readonly redirect: string,
    readonly name: string,
    options: { clientMetadataUrl?: string; preregistered?: { client_id: string } } = {},
  ) {
    if (options.clientMetadataUrl) this.clientMetadataUrl = options.clientMetadataUrl;
    this.info = options.preregistered;
  }

  clientMetadataUrl?: string;

  get redirectUrl() {
    return this.redirect;
  }
  get clientMetadata() {
    return {
      client_name: this.name,
      redirect_uris: [this.redirect],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
    };
  }
  clientInformation() {
    return this.info;
  }
  saveClientInformation(info: NonNullable<ClientInfo>) {
    this.info = info;
  }
  tokens() {
    return this.stored;
  }
  saveTokens(tokens: NonNullable<Tokens>) {
    this.stored = tokens;
  }
  redirectToAuthorization(url: URL) {
    this.authorizationUrl = url;
  }
  saveCodeVerifier(v: string) {
    this.verifier = v;
  }
  codeVerifier() {
    return this.verifier;
  }
}
