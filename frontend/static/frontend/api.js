// JSON requests to the REST API, with the session cookie and CSRF token.

import { _, interpolate } from "./i18n.js";

/** A refusal from the API: the server's sentence, its HTTP status and machine code. */
export class ApiError extends Error {
  constructor(message, status, code) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export function csrfToken(fallback = "") {
  const cookie = document.cookie.split("; ").find((row) => row.startsWith("csrftoken="));
  return cookie ? decodeURIComponent(cookie.split("=")[1]) : fallback;
}

export function errorText(body, status) {
  if (body && typeof body.detail === "string") return body.detail;
  if (body && typeof body === "object") {
    const parts = Object.values(body)
      .flat()
      .filter((part) => typeof part === "string");
    if (parts.length) return parts.join(" ");
  }
  return interpolate(_("The server refused the request (HTTP %(status)s)."), { status });
}

/**
 * Send one request; resolve to the JSON answer (null for 204). A refusal
 * rejects with an ApiError; a network failure rejects with a TypeError.
 */
export async function request(method, url, body, { csrf = "", keepalive = false } = {}) {
  const response = await fetch(url, {
    method,
    credentials: "same-origin",
    // Outlives the page (a save as the user leaves); bodies up to 64 KB only.
    keepalive,
    headers: {
      Accept: "application/json",
      "Content-Type": "application/json",
      "X-CSRFToken": csrfToken(csrf),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let payload = null;
  if (response.status !== 204) {
    try {
      payload = await response.json();
    } catch {
      payload = null;
    }
  }
  if (!response.ok) {
    throw new ApiError(
      errorText(payload, response.status),
      response.status,
      payload && typeof payload.code === "string" ? payload.code : null,
    );
  }
  return payload;
}
