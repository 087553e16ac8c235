import { describe, expect, it } from "vitest";
import { waitText, windowText } from "./counter";

describe("limit texts", () => {
  it("names windows and waits the way a person reads them", () => {
    expect(windowText(60)).toBe("minute");
    expect(windowText(900)).toBe("15 minutes");
    expect(windowText(3600)).toBe("hour");
    expect(windowText(7200)).toBe("2 hours");
    expect(windowText(30)).toBe("30 s");
    expect(waitText(42)).toBe("42 s");
    expect(waitText(840)).toBe("14 min");
  });
});
