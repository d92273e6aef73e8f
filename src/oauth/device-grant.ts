// The grant_type a client polls the token endpoint with in the device flow (RFC 8628 §3.4).
export const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
