import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The one state machine definition: the same file serverless.yml deploys. */
export const DEFINITION_PATH = fileURLToPath(new URL('../../infra/state-machine.asl.json', import.meta.url));

export type Definition = { StartAt: string; States: Record<string, StateDef>; [k: string]: unknown };
export type StateDef = {
  Type: string;
  Resource?: unknown;
  ItemProcessor?: Definition;
  Iterator?: Definition;
  Branches?: Definition[];
  [k: string]: unknown;
};

export const LOCAL_ARN_PREFIX = 'arn:aws:lambda:us-east-1:000000000000:function:freezer-dr-local-';

/** serverless logical id "NotifyFenceFailedLambdaFunction" → function key "notifyFenceFailed". */
export function functionKeyOf(logicalId: string): string {
  const base = logicalId.replace(/LambdaFunction$/, '');
  return base.charAt(0).toLowerCase() + base.slice(1);
}

/** Read the ASL file and replace each `{"Fn::GetAtt": [X, "Arn"]}` with a local ARN naming the function key. */
export function loadDefinition(path = DEFINITION_PATH): Definition {
  const raw = JSON.parse(readFileSync(path, 'utf8')) as unknown;
  return substitute(raw) as Definition;
}

function substitute(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(substitute);
  if (value && typeof value === 'object') {
    const getAtt = (value as Record<string, unknown>)['Fn::GetAtt'];
    if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return LOCAL_ARN_PREFIX + functionKeyOf(getAtt[0]);
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v)]));
  }
  return value;
}

/** Every Task state, nested Map/Parallel states included: state name → function key. */
export function taskStates(def: Definition): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: Definition) => {
    for (const [name, state] of Object.entries(d.States)) {
      if (state.Type === 'Task' && typeof state.Resource === 'string' && state.Resource.startsWith(LOCAL_ARN_PREFIX))
        out.set(name, state.Resource.slice(LOCAL_ARN_PREFIX.length));
      if (state.ItemProcessor) walk(state.ItemProcessor);
      if (state.Iterator) walk(state.Iterator);
      for (const b of state.Branches ?? []) walk(b);
    }
  };
  walk(def);
  return out;
}
