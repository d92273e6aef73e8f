/**
 * A Kubernetes API server stand-in for kubectl's exec credential plugins: HTTPS on 127.0.0.1
 * with a certificate from a test CA (tls.ts), answering a few read-only paths only to a bearer
 * token the test accepts, as the real server's authentication does
 * (https://kubernetes.io/docs/reference/access-authn-authz/authentication/: "When a bearer token
 * is present in the request, … the request is rejected with 401 Unauthorized" when no
 * authenticator accepts it; the body is a `Status` object,
 * https://kubernetes.io/docs/reference/using-api/api-concepts/#response-status-kind).
 *
 * Paths (https://kubernetes.io/docs/reference/using-api/ and the API reference):
 * - `/version`: a version.Info (what `kubectl version` reads);
 * - `/api`: APIVersions (`{"kind":"APIVersions","versions":["v1"]}`), `/apis`: an empty
 *   APIGroupList, `/api/v1`: an APIResourceList naming pods (legacy discovery, what kubectl
 *   falls back to when the server sends no aggregated discovery document);
 * - `/api/v1/namespaces/default/pods`: a PodList with one pod.
 * Everything else is a 404 Status. Every request is recorded with the token it carried.
 */
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TestCa } from './tls.js';

export interface KubeRequest {
  path: string;
  /** The bearer token, or null when none was sent (for tests to compare; never print it). */
  token: string | null;
  status: number;
}

export interface FakeKubeApiServer {
  /** https://127.0.0.1:PORT */
  url: string;
  readonly requests: KubeRequest[];
  /** Which bearer tokens are let in; the test may swap it at any time. */
  authorize: (token: string) => boolean;
  close(): Promise<void>;
}

const POD_LIST = {
  kind: 'PodList',
  apiVersion: 'v1',
  metadata: { resourceVersion: '1' },
  items: [
    {
      metadata: { name: 'hello-7d4b9c', namespace: 'default', uid: '2f1c8a4e-0000-4000-8000-000000000001', resourceVersion: '1', creationTimestamp: '2026-12-01T00:00:00Z' },
      spec: { containers: [{ name: 'hello', image: 'registry.example/hello:1' }] },
      status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }], containerStatuses: [{ name: 'hello', ready: true, restartCount: 0, image: 'registry.example/hello:1', imageID: '', started: true, state: { running: { startedAt: '2026-12-01T00:00:00Z' } } }] },
    },
  ],
};

const BODIES: Record<string, unknown> = {
  '/version': { major: '1', minor: '32', gitVersion: 'v1.32.0', gitCommit: '0000000', gitTreeState: 'clean', buildDate: '2026-12-01T00:00:00Z', goVersion: 'go1.23', compiler: 'gc', platform: 'linux/amd64' },
  '/api': { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1:443' }] },
  '/apis': { kind: 'APIGroupList', apiVersion: 'v1', groups: [] },
  '/api/v1': {
    kind: 'APIResourceList',
    groupVersion: 'v1',
    resources: [{ name: 'pods', singularName: 'pod', namespaced: true, kind: 'Pod', verbs: ['get', 'list'], shortNames: ['po'], categories: ['all'] }],
  },
  '/api/v1/namespaces/default/pods': POD_LIST,
};

const status = (code: number, reason: string, message: string) => ({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });

export async function startFakeKubeApiServer(ca: TestCa, authorize: (token: string) => boolean): Promise<FakeKubeApiServer> {
  const cert = ca.issue(['127.0.0.1']);
  const requests: KubeRequest[] = [];
  const api: FakeKubeApiServer = { url: '', requests, authorize, close: () => Promise.resolve() };
  const server: Server = createServer({ key: cert.key, cert: cert.cert }, (req, res) => {
    const path = new URL(req.url ?? '/', 'https://127.0.0.1').pathname;
    const match = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
    const token = match ? match[1]! : null;
    let code = 200;
    let body: unknown;
    if (token === null || !api.authorize(token)) {
      code = 401;
      body = status(401, 'Unauthorized', 'Unauthorized');
    } else if (Object.hasOwn(BODIES, path)) {
      body = BODIES[path];
    } else {
      code = 404;
      body = status(404, 'NotFound', 'the server could not find the requested resource');
    }
    requests.push({ path, token, status: code });
    const text = JSON.stringify(body);
    res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  api.url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  api.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return api;
}
