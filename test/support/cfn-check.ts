import { parseDocument, type CollectionTag, type ScalarTag } from 'yaml';

/**
 * A small structural checker for CloudFormation templates: every Ref, GetAtt, Sub placeholder,
 * condition name and DependsOn must point at something the template defines (or a pseudo parameter).
 * Not a linter of resource properties; it catches the typos a deploy would only find in AWS.
 */

export type Template = {
  Parameters?: Record<string, unknown>;
  Conditions?: Record<string, unknown>;
  Resources?: Record<
    string,
    { Type?: string; Condition?: string; DependsOn?: string | string[]; Properties?: unknown }
  >;
  Outputs?: Record<string, { Condition?: string; Value?: unknown; Export?: unknown }>;
  [key: string]: unknown;
};

export const PSEUDO_PARAMETERS: ReadonlySet<string> = new Set([
  'AWS::AccountId',
  'AWS::NotificationARNs',
  'AWS::NoValue',
  'AWS::Partition',
  'AWS::Region',
  'AWS::StackId',
  'AWS::StackName',
  'AWS::URLSuffix',
]);

const INTRINSICS = [
  'Ref',
  'Condition',
  'Sub',
  'GetAtt',
  'If',
  'Equals',
  'Not',
  'And',
  'Or',
  'Select',
  'GetAZs',
  'Join',
  'Split',
  'ImportValue',
  'FindInMap',
  'Base64',
  'Cidr',
  'ToJsonString',
  'Length',
];

function longForm(name: string, value: unknown): Record<string, unknown> {
  return name === 'Ref' || name === 'Condition' ? { [name]: value } : { [`Fn::${name}`]: value };
}

/** yaml custom tags turning CloudFormation short forms (`!Ref X`, `!GetAtt A.B`, `!Sub [...]`) into long forms. */
export const CFN_TAGS: (ScalarTag | CollectionTag)[] = INTRINSICS.flatMap((name): (ScalarTag | CollectionTag)[] => [
  { tag: `!${name}`, resolve: (s: string) => longForm(name, name === 'GetAtt' ? s.split('.') : s) },
  { tag: `!${name}`, collection: 'seq', resolve: (seq) => longForm(name, seq.toJSON()) },
  { tag: `!${name}`, collection: 'map', resolve: (map) => longForm(name, map.toJSON()) },
]);

/** Parse a CloudFormation YAML template, short-form intrinsics included. Throws on YAML errors and unknown tags. */
export function parseCfnYaml(text: string): Template {
  const doc = parseDocument(text, { customTags: CFN_TAGS, prettyErrors: true, uniqueKeys: true });
  const issues = [...doc.errors, ...doc.warnings];
  if (issues.length) throw new Error(issues.map((e) => e.message).join('\n'));
  return doc.toJS({ maxAliasCount: 1000 }) as Template;
}

/** `${Name}` / `${Res.Attr}` placeholders of a Fn::Sub string (`${!Literal}` is an escape, not a placeholder). */
export function subPlaceholders(text: string): string[] {
  return [...text.matchAll(/\$\{([^}!][^}]*)\}/g)].map((m) => m[1]!.trim());
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Every dangling reference in the template, as "path: message" lines (empty when sound). */
export function checkTemplate(template: Template): string[] {
  const problems: string[] = [];
  const parameters = new Set(Object.keys(template.Parameters ?? {}));
  const resources = new Set(Object.keys(template.Resources ?? {}));
  const conditions = new Set(Object.keys(template.Conditions ?? {}));
  const refable = (name: string) => parameters.has(name) || resources.has(name) || PSEUDO_PARAMETERS.has(name);

  if (!template.Resources || resources.size === 0) problems.push('Resources: a template needs at least one resource');
  for (const name of resources) if (parameters.has(name)) problems.push(`${name}: both a parameter and a resource`);

  const walk = (node: unknown, path: string): void => {
    if (Array.isArray(node)) {
      node.forEach((v, i) => walk(v, `${path}[${i}]`));
      return;
    }
    if (!isRecord(node)) return;
    const keys = Object.keys(node);
    if (keys.length === 1) {
      const key = keys[0]!;
      const value = node[key];
      if (key === 'Ref') {
        if (typeof value !== 'string') problems.push(`${path}: Ref takes a name`);
        else if (!refable(value)) problems.push(`${path}: Ref to undefined "${value}"`);
        return;
      }
      if (key === 'Condition' && typeof value === 'string') {
        if (!conditions.has(value)) problems.push(`${path}: Condition "${value}" is not defined`);
        return;
      }
      if (key === 'Fn::GetAtt') {
        const parts = typeof value === 'string' ? value.split('.') : value;
        if (!Array.isArray(parts) || parts.length !== 2)
          problems.push(`${path}: Fn::GetAtt takes [resource, attribute]`);
        else if (typeof parts[0] !== 'string' || !resources.has(parts[0]))
          problems.push(`${path}: Fn::GetAtt of undefined resource "${String(parts[0])}"`);
        else walk(parts[1], `${path}.Fn::GetAtt[1]`);
        return;
      }
      if (key === 'Fn::Sub') {
        const [text, vars] =
          typeof value === 'string'
            ? [value, {}]
            : Array.isArray(value)
              ? [value[0], value[1] ?? {}]
              : [undefined, undefined];
        if (typeof text !== 'string' || !isRecord(vars)) {
          problems.push(`${path}: Fn::Sub takes a string or [string, {vars}]`);
          return;
        }
        for (const name of subPlaceholders(text)) {
          if (name in vars) continue;
          const dot = name.indexOf('.');
          if (dot > 0 && !name.startsWith('AWS::')) {
            if (!resources.has(name.slice(0, dot)))
              problems.push(`${path}: Fn::Sub \${${name}} names undefined resource "${name.slice(0, dot)}"`);
          } else if (!refable(name)) problems.push(`${path}: Fn::Sub \${${name}} is not defined`);
        }
        walk(vars, `${path}.Fn::Sub[1]`);
        return;
      }
      if (key === 'Fn::If') {
        if (!Array.isArray(value) || value.length !== 3) problems.push(`${path}: Fn::If takes [condition, then, else]`);
        else {
          if (typeof value[0] !== 'string' || !conditions.has(value[0]))
            problems.push(`${path}: Fn::If condition "${String(value[0])}" is not defined`);
          walk(value[1], `${path}.Fn::If[1]`);
          walk(value[2], `${path}.Fn::If[2]`);
        }
        return;
      }
    }
    for (const [k, v] of Object.entries(node)) walk(v, `${path}.${k}`);
  };

  for (const [name, body] of Object.entries(template.Conditions ?? {})) walk(body, `Conditions.${name}`);
  for (const [name, resource] of Object.entries(template.Resources ?? {})) {
    if (!isRecord(resource) || typeof resource.Type !== 'string') problems.push(`Resources.${name}: no Type`);
    if (resource.Condition !== undefined && !conditions.has(resource.Condition))
      problems.push(`Resources.${name}: Condition "${resource.Condition}" is not defined`);
    const deps =
      resource.DependsOn === undefined
        ? []
        : Array.isArray(resource.DependsOn)
          ? resource.DependsOn
          : [resource.DependsOn];
    for (const d of deps) if (!resources.has(d)) problems.push(`Resources.${name}: DependsOn undefined "${d}"`);
    const { Type: _t, Condition: _c, DependsOn: _d, ...rest } = resource;
    walk(rest, `Resources.${name}`);
  }
  for (const [name, output] of Object.entries(template.Outputs ?? {})) {
    if (output.Condition !== undefined && !conditions.has(output.Condition))
      problems.push(`Outputs.${name}: Condition "${output.Condition}" is not defined`);
    walk(output, `Outputs.${name}`);
  }
  return problems;
}

/** The names a template exports (Outputs.*.Export.Name), with `${AWS::StackName}` replaced by the stack name. */
export function exportNames(template: Template, stackName: string): string[] {
  const names: string[] = [];
  for (const output of Object.values(template.Outputs ?? {})) {
    const name = isRecord(output.Export) ? output.Export.Name : undefined;
    const text =
      typeof name === 'string'
        ? name
        : isRecord(name) && typeof name['Fn::Sub'] === 'string'
          ? name['Fn::Sub']
          : undefined;
    if (text) names.push(text.replaceAll('${AWS::StackName}', stackName));
  }
  return names;
}
