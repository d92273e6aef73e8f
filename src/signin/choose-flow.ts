// Which login flow to use when the user named none: the browser flow where a browser can be
// opened here and the provider's requirements are met, the device flow otherwise.

export type Flow = 'web' | 'device';

export interface FlowChoice {
  flow: Flow;
  reason: string;
}

export interface FlowContext {
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
  stdinIsTTY: boolean;
  stderrIsTTY: boolean;
  /** --no-browser was given. */
  noBrowser: boolean;
  /** The browser flow needs a client secret here and none is configured. */
  missingSecret: boolean;
  /** The provider offers a device flow (OIDC issuers advertise it, or not). Default true. */
  deviceAvailable?: boolean;
}

/** Why no browser can be opened here, or undefined when one can. */
export function whyNoBrowser(ctx: Omit<FlowContext, 'noBrowser' | 'missingSecret'>): string | undefined {
  const { env } = ctx;
  if (env.SSH_CONNECTION || env.SSH_CLIENT || env.SSH_TTY) return 'this is an SSH session';
  if (env.CI && env.CI !== 'false' && env.CI !== '0') return 'this is a CI job';
  const explicitBrowser = Boolean(env.OAUTHCLI_BROWSER || env.BROWSER);
  if (!explicitBrowser && ctx.platform === 'linux' && !env.DISPLAY && !env.WAYLAND_DISPLAY) return 'there is no display';
  if (!ctx.stdinIsTTY || !ctx.stderrIsTTY) return 'this is not an interactive terminal';
  return undefined;
}

export function chooseFlow(ctx: FlowContext): FlowChoice {
  if (ctx.deviceAvailable === false) return { flow: 'web', reason: 'the provider offers no device flow' };
  if (ctx.noBrowser) return { flow: 'device', reason: '--no-browser was given' };
  if (ctx.missingSecret) return { flow: 'device', reason: 'no client secret is configured for the browser flow' };
  const why = whyNoBrowser(ctx);
  if (why) return { flow: 'device', reason: `${why}, so no browser can be opened here` };
  return { flow: 'web', reason: 'a browser can be opened here' };
}
