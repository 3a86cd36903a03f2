/**
 * Structural validation of a contract document with ajv against `contractDocumentSchema`.
 * Values with a grammar of their own are left to the normalizer, which gives precise messages;
 * everything else (types, required and unknown keys, the kind of a `provides` item) is here.
 */
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import {
  GRAMMAR_DEFINITIONS,
  PROVIDED_KIND_BRANCHES,
  contractDocumentSchema,
} from './schema';
import { unknownKeyMessage } from './suggest';
import { describeType, pointerSegment } from './yamlSource';

/** A structural fault: where (JSON pointer, at the key or the value) and what. */
export interface StructuralFault {
  pointer: string;
  atKey: boolean;
  message: string;
}

let compiled: ValidateFunction | undefined;
let grammarNodes: Set<object> | undefined;

/** Every object of a schema subtree (not following `$ref`). */
function collectObjects(node: unknown, into: Set<object>): Set<object> {
  if (node && typeof node === 'object' && !into.has(node)) {
    into.add(node);
    for (const child of Object.values(node)) collectObjects(child, into);
  }
  return into;
}

/** Compiled once, on first use (not at import: the frontend may never validate). */
function validator(): ValidateFunction {
  if (!compiled) {
    const ajv = new Ajv({
      allErrors: true,
      verbose: true,
      strict: true,
      strictTypes: false,
      strictRequired: false,
      logger: false,
      // the generated code validates as fast without ajv's clean-up passes, which cost more
      // than half of compiling the schema (once per process: it counts for a CLI)
      code: { optimize: false },
    });
    compiled = ajv.compile(contractDocumentSchema);
    grammarNodes = new Set();
    for (const definition of GRAMMAR_DEFINITIONS)
      collectObjects(definition, grammarNodes);
  }
  return compiled;
}

const TYPE_NAMES: Record<string, string> = {
  array: 'a list',
  object: 'a mapping',
  string: 'a string',
  integer: 'a whole number',
  number: 'a number',
  boolean: '`true` or `false`',
};

/** A value as YAML flow text, for examples in messages: `{ acceptable: p95 < 200ms }`. */
function flow(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(flow).join(', ')}]`;
  if (value && typeof value === 'object') {
    return `{ ${Object.entries(value)
      .map(([key, item]) => `${key}: ${flow(item)}`)
      .join(', ')} }`;
  }
  return String(value);
}

function kindsOf(branches: readonly object[]): string[] {
  return branches.map(branch => (branch as { required: string[] }).required[0]);
}

function codes(names: string[]): string {
  const quoted = names.map(name => `\`${name}\``);
  return quoted.length > 1
    ? `${quoted.slice(0, -1).join(', ')} or ${quoted[quoted.length - 1]}`
    : quoted[0];
}

function message(error: ErrorObject): StructuralFault | undefined {
  const pointer = error.instancePath;
  const params = error.params as Record<string, any>;
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const allowed = Object.keys(
        (error.parentSchema as { properties?: object })?.properties ?? {},
      );
      return {
        pointer: `${pointer}/${pointerSegment(key)}`,
        atKey: true,
        message: unknownKeyMessage(key, allowed),
      };
    }
    case 'required':
      return {
        pointer,
        atKey: false,
        message: `missing \`${params.missingProperty}\``,
      };
    case 'type': {
      const expected = String(params.type)
        .split(',')
        .map(type => TYPE_NAMES[type] ?? type)
        .join(' or ');
      const example = (error.parentSchema as { examples?: unknown[] })
        ?.examples?.[0];
      const hint = example === undefined ? '' : ` such as \`${flow(example)}\``;
      return {
        pointer,
        atKey: false,
        message: `expected ${expected}${hint}, got ${describeType(error.data)}`,
      };
    }
    case 'minLength':
      return { pointer, atKey: false, message: 'must not be empty' };
    case 'minProperties':
      return { pointer, atKey: false, message: 'must not be empty' };
    case 'minimum':
      return {
        pointer,
        atKey: false,
        message: `must be at least ${params.limit}, got ${error.data}`,
      };
    case 'oneOf': {
      if (
        error.parentSchema &&
        (error.parentSchema as { oneOf?: unknown }).oneOf ===
          PROVIDED_KIND_BRANCHES
      ) {
        const kinds = kindsOf(PROVIDED_KIND_BRANCHES);
        const present = kinds.filter(
          kind => (error.data as Record<string, unknown>)?.[kind] !== undefined,
        );
        return {
          pointer,
          atKey: false,
          message: present.length
            ? `a \`provides\` item is one of ${codes(
                kinds,
              )}, not several: this one has ${codes(present).replace(
                ' or ',
                ' and ',
              )}`
            : `a \`provides\` item needs one of ${codes(kinds)}`,
        };
      }
      return {
        pointer,
        atKey: false,
        message: error.message ?? 'invalid value',
      };
    }
    case 'dependencies':
      return {
        pointer: `${pointer}/${pointerSegment(String(params.property))}`,
        atKey: true,
        message: `\`${params.property}\` applies to an \`${params.missingProperty}\` item only`,
      };
    default:
      return {
        pointer,
        atKey: false,
        message: error.message ?? 'invalid value',
      };
  }
}

/**
 * Validates the structure of one document; returns every fault at once.
 */
export function structuralFaults(value: unknown): StructuralFault[] {
  const validate = validator();
  if (validate(value)) return [];
  const errors = validate.errors ?? [];
  const kindless = new Set(
    errors
      .filter(error => error.keyword === 'oneOf')
      .map(error => error.instancePath),
  );
  const faults: StructuralFault[] = [];
  const seen = new Set<string>();
  for (const error of errors) {
    const parent = error.parentSchema as object | undefined;
    if (parent && grammarNodes!.has(parent)) continue;
    if (parent && PROVIDED_KIND_BRANCHES.includes(parent)) continue;
    if (error.keyword === 'dependencies' && kindless.has(error.instancePath))
      continue;
    if (error.keyword === 'if' || error.keyword === 'propertyNames') continue;
    const fault = message(error);
    if (!fault) continue;
    const id = `${fault.pointer}\u0000${fault.message}`;
    if (seen.has(id)) continue;
    seen.add(id);
    faults.push(fault);
  }
  return faults;
}
