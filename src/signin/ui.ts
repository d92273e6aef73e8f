// What a sign-in needs from whoever shows it to the user (the terminal, in src/cli/terminal/signin-ui.ts;
// a recording fake in tests). The sign-in itself prints nothing and reads nothing from the user.

export interface DeviceCode {
  userCode: string;
  verificationUri: string;
  verificationUriComplete?: string;
}

export interface Waiting {
  update(text: string): void;
  stop(): void;
}

export interface PasteTarget {
  /** The redirect URI the pasted URL must start with. */
  redirectUri: string;
  /** Checks a pasted URL exactly like a callback; accepted ends the wait. */
  submit(url: string): { accepted: true } | { accepted: false; reason: string };
}

export interface SignInUi {
  /** A line about the sign-in: which flow and why, a fallback taken, a second consent asked. */
  note(line: string): void;
  /**
   * Device flow: show the one-time code and where to enter it, and open the browser (or offer to)
   * when asked. The poll runs meanwhile; the returned function ends whatever this started.
   */
  showDeviceCode(code: DeviceCode, host: string, openBrowser: boolean): Promise<() => void>;
  /** Web flow: show the authorization URL and open it when asked. Resolves whether a browser was opened. */
  showAuthorizationUrl(url: string, host: string, openBrowser: boolean): Promise<boolean>;
  /** Web flow without a browser here: let the user paste the URL the browser was sent to. Returns a stop function. */
  acceptPastedRedirect(target: PasteTarget): () => void;
  /** A wait the user should know about (a spinner on a terminal). */
  waiting(text: string): Waiting;
}
