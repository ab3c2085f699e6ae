/**
 * The load generator for the sign-off benchmark, in its own process so that it does not share the
 * server's event loop: `tsx bench/signoff-client.ts <signers.json>`. Each simulated browser takes
 * the next signer, GETs their signing page, then POSTs the signature; prints the result as JSON.
 */
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

type Signer = { name: string; path: string; session: string };
const input = JSON.parse(readFileSync(process.argv[2] as string, 'utf8')) as {
  url: string;
  clients: number;
  csrf: { cookie: string; token: string };
  signers: Signer[];
};
const { signers, csrf } = input;
let next = 0;
const kinds = new Map<string, number>();
const fail = (kind: string) => kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
const started = performance.now();
const result = await autocannon({
  url: input.url,
  connections: input.clients,
  amount: signers.length * 2,
  timeout: 60,
  requests: [
    {
      method: 'GET',
      setupRequest: (req, context) => {
        const signer = signers[next++ % signers.length] as Signer;
        (context as { signer?: Signer }).signer = signer;
        return { ...req, path: signer.path, headers: { cookie: `cs_session=${signer.session}; ${csrf.cookie}` } };
      },
      onResponse: (status) => {
        if (status !== 200) fail(`GET ${status}`);
      },
    },
    {
      method: 'POST',
      setupRequest: (req, context) => {
        const signer = (context as { signer: Signer }).signer;
        const body = new URLSearchParams({ _csrf: csrf.token, typedName: signer.name, position: 'Teacher' });
        body.append('statements', '0');
        body.append('statements', '1');
        return {
          ...req,
          path: signer.path,
          headers: { cookie: `cs_session=${signer.session}; ${csrf.cookie}`, 'content-type': 'application/x-www-form-urlencoded' },
          body: body.toString(),
        };
      },
      onResponse: (status) => {
        if (status !== 303) fail(`POST ${status}`);
      },
    },
  ],
});
process.stdout.write(
  JSON.stringify({
    seconds: (performance.now() - started) / 1000,
    requestsPerSec: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors,
    timeouts: result.timeouts,
    kinds: Object.fromEntries(kinds),
  }),
);
