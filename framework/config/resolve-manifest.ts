import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BACKEND_CHOICES } from '../engine/backends.js';
import { SCHEMAS_DIR } from '../paths.js';
import { InputError } from '../errors.js';
import type { PluginKind } from '../plugin/contract.js';
import { didYouMean } from '../plugin/did-you-mean.js';
import type { PluginRegistry } from '../plugin/registry.js';
import { resolvePluginOptions } from '../plugin/options.js';
import { createAjv, type ErrorObject, type ValidateFunction } from '../schema/ajv.js';
import { at, explainAjvError, formatAjvError, mostSpecific } from '../schema/format-error.js';
import { getPath, isPlainObject, pointer, setPath } from './json-path.js';
import type { LoadedManifest } from './load-manifest.js';
import type { Manifest, RowConfig } from './manifest.js';


/** schemas/manifest.schema.json, with the backend enum filled in from the one list of backends. */
export function loadEnvelopeSchema(): Record<string, unknown> {
  const schema = JSON.parse(readFileSync(join(SCHEMAS_DIR, 'manifest.schema.json'), 'utf8'));
  schema.properties.backend.enum = [...BACKEND_CHOICES];
  return schema;
}

/**
 * Compiles the envelope with a `pluginRef` keyword bound to the registry: each reference is checked
 * for shape, its `type` resolved by name (with a did-you-mean), and its `options` validated by the
 * plugin's own cached validator, which writes the defaults back.
 */
function compileEnvelope(registry: PluginRegistry): ValidateFunction {
  const envelope = loadEnvelopeSchema() as { properties: { imageSize: { default: number } } };
  const imageSizeDefault = envelope.properties.imageSize.default;
  const ajv = createAjv({
    keyword: 'pluginRef',
    schemaType: 'string',
    modifying: true,
    errors: true,
    validate: function validateRef(kind: string, data: unknown, _parent: unknown, cxt?: { instancePath: string; rootData: unknown }) {
      const base = cxt?.instancePath ?? '';
      // Each error is put into words here, while it still holds the value it found: ajv's verbose
      // mode overwrites a keyword's errors' data with the whole reference ("got an object").
      const fail = (errors: Partial<ErrorObject>[]) => {
        const e = mostSpecific(errors as ErrorObject[]);
        const message = e.keyword === 'pluginRef' ? e.message : explainAjvError(e);
        (validateRef as unknown as { errors: Partial<ErrorObject>[] }).errors = [{ keyword: 'pluginRef', instancePath: e.instancePath, params: {}, message }];
        return false;
      };
      if (!isPlainObject(data)) {
        return fail([{ keyword: 'type', instancePath: base, params: { type: `a ${kind} reference {"type": ..., "options": {...}}` }, data }]);
      }
      for (const key of Object.keys(data)) {
        if (key !== 'type' && key !== 'options') {
          return fail([{ keyword: 'additionalProperties', instancePath: base, params: { additionalProperty: key }, parentSchema: { properties: { type: {}, options: {} } } }]);
        }
      }
      if (typeof data.type !== 'string') {
        return fail([{ keyword: 'required', instancePath: base, params: { missingProperty: 'type' }, message: `needs "type", the name of a ${kind} plugin` }]);
      }
      if (!registry.has(kind as PluginKind, data.type)) {
        return fail([{ keyword: 'pluginRef', instancePath: `${base}/type`, params: {}, message: registry.unknown(kind as PluginKind, data.type) }]);
      }
      if (data.options !== undefined && !isPlainObject(data.options)) {
        return fail([{ keyword: 'type', instancePath: `${base}/options`, params: { type: 'object' }, data: data.options }]);
      }
      // The manifest's imageSize, or the envelope's default when the manifest leaves it out.
      const imageSize = (cxt?.rootData as { imageSize?: number } | undefined)?.imageSize ?? imageSizeDefault;
      const r = resolvePluginOptions(registry.get(kind as PluginKind, data.type), (data.options ??= {}) as Record<string, unknown>, imageSize);
      if (!r.ok) return fail(r.errors.map((e) => ({ ...e, instancePath: `${base}/options${e.instancePath}` })));
      data.options = r.options;
      return true;
    },
  });
  return ajv.compile(envelope);
}

const compiled = new WeakMap<PluginRegistry, ValidateFunction>();

function validator(registry: PluginRegistry): ValidateFunction {
  let v = compiled.get(registry);
  if (!v) compiled.set(registry, (v = compileEnvelope(registry)));
  return v;
}

function fail(file: string, errors: readonly ErrorObject[] | null | undefined, context = ''): never {
  const e = mostSpecific(errors ?? []);
  // A pluginRef error's message is a finished sentence: the reference's own error, put into words by the keyword.
  const msg = e.keyword === 'pluginRef' ? `at ${at(e.instancePath)}: ${e.message}` : formatAjvError(e);
  throw new InputError(`${file}: ${msg}${context} Run \`fer-run plugins\` for every plugin's options, or see the manifest reference in README.md.`);
}

/**
 * `--set model.backbone.type=resnet18` keeps the options written for the previous backbone; when
 * those are what fails, the error says so and how to replace the whole reference.
 */
function typeSetHint(loaded: LoadedManifest, e: ErrorObject): string {
  const key = loaded.setKeys.find((k) => k.endsWith('.type') && e.instancePath.startsWith(`${pointer(k.split('.').slice(0, -1))}/options`));
  if (!key) return '';
  const ref = key.slice(0, -'.type'.length);
  const refValue = getPath(loaded.raw, ref);
  const name = isPlainObject(refValue) && typeof refValue.type === 'string' ? refValue.type : '…';
  return ` (--set ${key} changed the plugin but kept the options written for the previous one: set the whole reference instead, e.g. --set '${ref}={"type": "${name}"}')`;
}

/** A row's model/optimizer/trainings after its `set` block, validated like the base. */
function resolveRow(manifest: Manifest, rowIndex: number, validate: ValidateFunction, file: string): RowConfig {
  const row = manifest.rows[rowIndex];
  const copy = structuredClone(manifest) as unknown as Record<string, unknown>;
  for (const [path, value] of Object.entries(row.set)) setPath(copy, path, structuredClone(value));
  if (!validate(copy)) fail(file, validate.errors, ` (the value comes from /rows/${rowIndex}/set of row "${row.name}")`);
  const resolved = copy as unknown as Manifest;
  // Write the resolved values back into the row, so print-config shows every default.
  for (const path of Object.keys(row.set)) {
    row.set[path] = getPath(resolved, path);
  }
  return { model: resolved.model, optimizer: resolved.optimizer, trainings: resolved.trainings };
}

function checkReferences(m: Manifest, file: string, registry: PluginRegistry): void {
  const trainings = Object.keys(m.trainings);
  m.columns.forEach((c, i) => {
    if (!(c.training in m.trainings)) {
      throw new InputError(`${file}: at /columns/${i}/training: no training named "${c.training}".${didYouMean(c.training, trainings)} Defined trainings: ${trainings.join(', ')}.`);
    }
  });
  const seen = new Set<string>();
  m.rows.forEach((r, i) => {
    if (seen.has(r.name)) throw new InputError(`${file}: at /rows/${i}/name: row "${r.name}" appears twice; row names must be unique.`);
    seen.add(r.name);
  });
  const cols = new Set<string>();
  m.columns.forEach((c, i) => {
    if (cols.has(c.name)) throw new InputError(`${file}: at /columns/${i}/name: column "${c.name}" appears twice; column names must be unique.`);
    cols.add(c.name);
  });
  for (const [ref, cells] of Object.entries(m.reference?.rows ?? {})) {
    for (const col of Object.keys(cells)) {
      if (!cols.has(col)) throw new InputError(`${file}: at /reference/rows/${ref}/${col}: no column named "${col}".${didYouMean(col, [...cols])}`);
    }
  }
  for (const [i, name] of (m.report.compare ?? []).entries()) {
    if (!seen.has(name)) throw new InputError(`${file}: at /report/compare/${i}: no row named "${name}".${didYouMean(name, [...seen])}`);
  }
  const masksRow = m.report.masksRow;
  if (masksRow !== undefined && !seen.has(masksRow)) throw new InputError(`${file}: at /report/masksRow: no row named "${masksRow}".${didYouMean(masksRow, [...seen])}`);
}

export interface ResolvedManifest {
  file: string;
  manifest: Manifest;
  rows: { name: string; config: RowConfig }[];
}

/** Validates a loaded manifest and fills every default. Errors are InputErrors with the JSON path. */
export function resolveManifest(loaded: LoadedManifest, registry: PluginRegistry): ResolvedManifest {
  const validate = validator(registry);
  const data = structuredClone(loaded.raw);
  if (!validate(data)) fail(loaded.file, validate.errors, typeSetHint(loaded, mostSpecific(validate.errors ?? [])));
  const manifest = data as unknown as Manifest;
  checkReferences(manifest, loaded.file, registry);
  const rows = manifest.rows.map((r, i) => ({ name: r.name, config: resolveRow(manifest, i, validate, loaded.file) }));
  const masks = rows.find((r) => r.name === manifest.report.masksRow);
  if (masks && masks.config.model.attention.type === 'none') {
    throw new InputError(`${loaded.file}: at /report/masksRow: row "${masks.name}" has no attention module, so it learns no masks. Name a row with attention, or leave masksRow out.`);
  }
  return { file: loaded.file, manifest, rows };
}
