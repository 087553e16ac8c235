import { describe, expect, it } from "vitest";
import { crossSiteRefusal } from "./cross-site";

function post(headers: Record<string, string>, url = "http://pb.test:3000/api/trpc/runs.cancel"): Request {
  return new Request(url, { method: "POST", headers: { host: new URL(url).host, ...headers }, body: "{}" });
}

const JSON_TYPE = { "content-type": "application/json" };

describe("crossSiteRefusal", () => {
  it("lets our own pages and the CLI through", () => {
    expect(
      crossSiteRefusal(
        post({ ...JSON_TYPE, origin: "http://pb.test:3000", "sec-fetch-site": "same-origin" }),
        undefined,
      ),
    ).toBeNull();
    expect(crossSiteRefusal(post({ "content-type": "Application/JSON; charset=utf-8" }), undefined)).toBeNull();
  });

  it("refuses what the browser marks cross-site, whatever the body", () => {
    expect(crossSiteRefusal(post({ ...JSON_TYPE, "sec-fetch-site": "cross-site" }), undefined)).toMatch(
      /Sec-Fetch-Site/,
    );
  });

  it("refuses a foreign, opaque or malformed Origin", () => {
    expect(crossSiteRefusal(post({ ...JSON_TYPE, origin: "https://evil.example" }), undefined)).toMatch(
      /Origin "https:\/\/evil.example"/,
    );
    expect(crossSiteRefusal(post({ ...JSON_TYPE, origin: "null" }), undefined)).toMatch(/Origin "null"/);
    expect(crossSiteRefusal(post({ ...JSON_TYPE, origin: "http://pb.test:3001" }), undefined)).toMatch(/not this site/);
  });

  it("takes the host a proxy forwarded, or only PROOFBOARD_PUBLIC_URL when set", () => {
    const proxied = post(
      { ...JSON_TYPE, origin: "https://pb.example", "x-forwarded-host": "pb.example" },
      "http://127.0.0.1:3000/api/trpc/x",
    );
    expect(crossSiteRefusal(proxied, undefined)).toBeNull();
    expect(crossSiteRefusal(proxied, "https://pb.example/")).toBeNull();
    expect(crossSiteRefusal(proxied, "https://other.example")).toMatch(/is not https:\/\/other.example/);
  });

  it("refuses a body a form can send", () => {
    for (const type of ["application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "text/plain"]) {
      expect(crossSiteRefusal(post({ "content-type": type }), undefined)).toMatch(/must be sent as application\/json/);
    }
    expect(crossSiteRefusal(new Request("http://pb.test/api/trpc/x", { method: "POST" }), undefined)).toMatch(
      /no content type/,
    );
  });
});
