// Whether this run has the suite's private Secret Service (test/support/private-keyring.ts). Tests
// that store tokens in the OS keychain run only then; elsewhere they skip, and the global setup
// has said once which package to install.
import { describe } from 'vitest';

export const keychainAvailable = process.env.OAUTHCLI_TEST_KEYCHAIN !== 'none';

/** `describe` for tests that need the OS keychain. */
export const describeKeychain = describe.skipIf(!keychainAvailable);
