/** Keys that never disarm "Esc, then Tab": the Shift of Shift+Tab is pressed between the two. */
const MODIFIERS = new Set(["Shift", "Control", "Alt", "Meta", "CapsLock"]);

/**
 * Keyboard ways out of the terminal, which otherwise keeps every key (xterm.js takes Tab).
 * Read-only: Tab and Shift+Tab move on as anywhere else, Esc focuses the terminal's box.
 * Typing into a VM: Tab belongs to the VM (completion), so Esc (still sent: vi needs it) arms
 * leaving and a Tab or Shift+Tab right after it moves on instead of reaching the VM.
 * Returns false for keys xterm must not handle, which leaves their default to the browser.
 */
export function keyFilter(typing: () => boolean, focusBox: () => void) {
  let armed = false;
  return (e: KeyboardEvent): boolean => {
    if (e.type !== "keydown" || MODIFIERS.has(e.key)) return true;
    const plainTab = e.key === "Tab" && !e.ctrlKey && !e.altKey && !e.metaKey;
    const wasArmed = armed;
    armed = false;
    if (!typing()) {
      if (plainTab) return false;
      if (e.key === "Escape") {
        e.preventDefault();
        focusBox();
        return false;
      }
      return true;
    }
    if (e.key === "Escape") armed = true;
    return !(plainTab && wasArmed);
  };
}
