import { hostAnswers } from './hosts.js';
import { json, text, type HttpReply, type Reply, type SimRequest } from './http.js';
import type { CloudState } from './state.js';

/**
 * A minimal Prometheus HTTP API for the demo and fast tests: `GET /api/v1/query` answers the
 * instant vector node_exporter's `up` would give, one series per compute host,
 * `up{instance="<host>:9100",job="node"}`: 1 while the host answers, 0 once it is dark. Any
 * query is answered with that vector (the sim is not a PromQL engine); the faults knob makes it
 * answer the ways a real one goes wrong. The integration tests use Debian's real Prometheus.
 */
export function prometheusHandler(state: CloudState) {
  return (req: SimRequest): Reply => {
    if (req.path !== '/api/v1/query') return json(404, { status: 'error', errorType: 'not_found', error: 'not found' });
    const mode = state.faults.prometheus.mode;
    const at = state.clock.now() / 1000;
    if (mode === 'html') return loginPage();
    if (mode === 'error')
      return json(400, {
        status: 'error',
        errorType: 'bad_data',
        error: 'invalid parameter "query": 1:3: parse error',
      });
    const result =
      mode === 'no-series'
        ? []
        : [...state.hosts.values()].map((h) => ({
            metric: { __name__: 'up', instance: `${h.name}:9100`, job: 'node' },
            value: [at, mode === 'non-numeric' ? 'abc' : hostAnswers(h, state.faults.dark) ? '1' : '0'],
          }));
    return json(200, { status: 'success', data: { resultType: 'vector', result } });
  };
}

function loginPage(): HttpReply {
  return text(200, '<html><head><title>Sign in</title></head><body><form>…</form></body></html>', 'text/html');
}
