// Waiting for something a test cannot await directly (a poll made, a browser opened, a grant
// counted): checks every `intervalMs` until true, or fails naming what it waited for.

export async function until(condition: () => boolean, what: string, timeoutMs = 10_000, intervalMs = 20): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
