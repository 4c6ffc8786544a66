import type { IncomingMessage } from "node:http";
import { AppError } from "@portcullis/contracts/errors";

/** Reads a request body up to `limit` bytes; past it, stops reading and throws PAYLOAD_TOO_LARGE. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"] ?? "NaN");
    if (Number.isFinite(declared) && declared > limit) {
      reject(tooLarge(limit));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners("data");
        req.resume();
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    });
    // A small body arrives as one chunk: that chunk is the body, no copy.
    req.on("end", () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)));
    req.on("error", (err) =>
      reject(new AppError("INVALID_INPUT", `request body could not be read: ${err.message}`)),
    );
    // The connection went away mid-body (a client too slow for GATEWAY_REQUEST_TIMEOUT_MS is
    // cut off): settle, or the request would wait for its body forever.
    req.on("close", () => {
      if (!req.complete)
        reject(new AppError("INVALID_INPUT", "request body incomplete: the connection closed"));
    });
  });
}

function tooLarge(limit: number): AppError {
  return new AppError("PAYLOAD_TOO_LARGE", `request body exceeds the ${limit}-byte limit`, {
    details: { limit },
  });
}
