// An rjsf validator backed by @cfworker/json-schema: it interprets the
// schema (draft 2020-12, also 2019-09, 7 and 4) instead of compiling it to
// code, so it runs under the app's CSP (no 'unsafe-eval'; Ajv compiles every
// schema with new Function and fails there). Its errors' instance locations
// (#/fields/0/name) become rjsf's error schema ({fields: {0: {name:
// {__errors}}}}), so each message shows on its field.

import { Validator, type OutputUnit, type Schema, type SchemaDraft } from '@cfworker/json-schema'
import {
  createErrorHandler,
  ErrorSchemaBuilder,
  getDefaultFormState,
  toErrorList,
  toErrorSchema,
  unwrapErrorHandler,
  validationDataMerge,
  type CustomValidator,
  type ErrorSchema,
  type ErrorTransformer,
  type RJSFSchema,
  type RJSFValidationError,
  type UiSchema,
  type ValidationData,
  type ValidatorType,
} from '@rjsf/utils'

type Json = Record<string, unknown>

/** The draft a schema declares in $schema (2020-12 when it says none). */
export function draftOf(schema: unknown): SchemaDraft {
  const s = schema && typeof schema === 'object' ? String((schema as Json).$schema ?? '') : ''
  if (s.includes('2019-09')) return '2019-09'
  if (s.includes('draft-04')) return '4'
  if (s.includes('draft-06') || s.includes('draft-07')) return '7'
  return '2020-12'
}

/** A JSON pointer's segments ('#/fields/0/name' → ['fields', '0', 'name']). */
export function pointerPath(pointer: string): string[] {
  const p = pointer.replace(/^#/, '')
  if (p === '' || p === '/') return []
  return p
    .slice(1)
    .split('/')
    .map((s) => decodeURIComponent(s).replace(/~1/g, '/').replace(/~0/g, '~'))
}

/** The value at a keyword location, following local $refs on the way (undefined when it cannot tell). */
function keywordValue(root: unknown, location: string): unknown {
  let node: unknown = root
  for (const seg of pointerPath(location)) {
    if (!node || typeof node !== 'object') return undefined
    const obj = node as Json
    if ((seg === '$ref' || seg === '$recursiveRef') && typeof obj[seg] === 'string') {
      const ref = obj[seg] as string
      if (!ref.startsWith('#')) return undefined
      node = keywordValue(root, ref)
      continue
    }
    node = obj[seg]
  }
  return node
}

// Errors that only say "a part below failed": the parts carry the detail.
const AGGREGATE = new Set(['$ref', '$recursiveRef', 'properties', 'patternProperties', 'items', 'prefixItems', 'allOf', 'false', 'if'])

const quoted = (msg: string) => /"([^"]*)"/.exec(msg)?.[1] ?? ''

/** A short message for one error, in the style of the API's field errors. */
function message(u: OutputUnit, value: unknown): string {
  const v = typeof value === 'number' || typeof value === 'string' ? value : undefined
  switch (u.keyword) {
    case 'required':
      return 'is required'
    case 'type':
      return `must be ${/Expected "(.*)"/.exec(u.error)?.[1]?.replace(/", "/g, ' or ') ?? 'of another type'}`
    case 'minLength':
      return v === 1 ? 'must not be empty' : `must be at least ${v} characters`
    case 'maxLength':
      return `must be at most ${v} characters`
    case 'pattern':
      return v !== undefined ? `must match pattern ${v}` : 'must match the expected pattern'
    case 'format':
      return `must be a valid ${v ?? 'value'}`
    case 'enum':
      return 'must be one of the allowed values'
    case 'const':
      return `must be ${JSON.stringify(value)}`
    case 'minimum':
      return `must be at least ${v}`
    case 'maximum':
      return `must be at most ${v}`
    case 'exclusiveMinimum':
      return `must be more than ${v}`
    case 'exclusiveMaximum':
      return `must be less than ${v}`
    case 'multipleOf':
      return `must be a multiple of ${v}`
    case 'minItems':
      return `must have at least ${v} ${v === 1 ? 'item' : 'items'}`
    case 'maxItems':
      return `must have at most ${v} items`
    case 'uniqueItems':
      return `must not have duplicate items (${u.error.replace(/^Duplicate items at indexes (\d+) and (\d+)\.$/, (_, a, b) => `${+a + 1} and ${+b + 1}`)})`
    case 'minProperties':
      return `must have at least ${v} properties`
    case 'maxProperties':
      return `must have at most ${v} properties`
    case 'additionalProperties':
    case 'unevaluatedProperties':
      return `must not have the property ${quoted(u.error)}`
    case 'anyOf':
      return 'must match one of the allowed shapes'
    case 'oneOf':
      return 'must match exactly one of the allowed shapes'
    case 'not':
      return 'must not match the excluded shape'
    case 'dependentRequired':
    case 'dependencies':
      return u.error
    default:
      return u.error
  }
}

/** One raw error as rjsf's error with the path of the field it belongs to. */
interface FieldErrorOut {
  path: string[]
  error: RJSFValidationError
}

/**
 * The errors worth showing, each on its field: aggregates are dropped (their
 * parts are reported), a missing required property goes on that property,
 * and the branches of a failed anyOf/oneOf are summed up by it.
 */
export function toFieldErrors(units: OutputUnit[], rootSchema: unknown): FieldErrorOut[] {
  const summaries = units.filter((u) => u.keyword === 'anyOf' || u.keyword === 'oneOf').map((u) => u.keywordLocation + '/')
  const out: FieldErrorOut[] = []
  const seen = new Set<string>()
  for (const u of units) {
    if (AGGREGATE.has(u.keyword)) continue
    if (summaries.some((s) => u.keywordLocation.startsWith(s))) continue
    const path = pointerPath(u.instanceLocation)
    if (u.keyword === 'required') path.push(quoted(u.error))
    const msg = message(u, keywordValue(rootSchema, u.keywordLocation))
    const key = JSON.stringify([path, msg])
    if (seen.has(key)) continue
    seen.add(key)
    const property = path.length ? '.' + path.join('.') : ''
    out.push({
      path,
      error: {
        name: u.keyword,
        property,
        message: msg,
        params: {},
        schemaPath: u.keywordLocation,
        stack: `${property} ${msg}`.trim(),
      },
    })
  }
  return out
}

/**
 * The cfworker validator for a schema. cfworker marks the objects it
 * dereferences, so it gets a copy; validators of whole schemas are cached per
 * schema object (rjsf keeps the form's schema object while it is shown).
 */
const cache = new WeakMap<object, Validator[]>()
function validatorFor(schema: RJSFSchema, shortCircuit: boolean, rootSchema: RJSFSchema = schema): Validator {
  if (rootSchema !== schema) {
    // A part of the root (rjsf asks about anyOf options, if conditions):
    // give it the root's definitions so its '#/$defs/…' refs resolve.
    const root = rootSchema as Json
    const doc = structuredClone(schema) as Schema
    if (root.$defs) doc.$defs = { ...structuredClone(root.$defs as Json), ...(doc.$defs ?? {}) }
    if (root.definitions) doc.definitions = { ...structuredClone(root.definitions as Json), ...(doc.definitions ?? {}) }
    return new Validator(doc, draftOf(rootSchema), shortCircuit)
  }
  const slot = shortCircuit ? 1 : 0
  const pair = cache.get(schema) ?? []
  pair[slot] ??= new Validator(structuredClone(schema) as Schema, draftOf(schema), shortCircuit)
  cache.set(schema, pair)
  return pair[slot]
}

/** The rjsf ValidatorType over @cfworker/json-schema (no eval). */
export class CfWorkerValidator<T = unknown> implements ValidatorType<T, RJSFSchema> {
  /** Validates formData and returns rjsf's errors and error schema (plus custom validation's, if any). */
  validateFormData(
    formData: T | undefined,
    schema: RJSFSchema,
    customValidate?: CustomValidator<T, RJSFSchema>,
    transformErrors?: ErrorTransformer<T, RJSFSchema>,
    uiSchema?: UiSchema<T, RJSFSchema>,
  ): ValidationData<T> {
    const raw = this.rawValidation<OutputUnit>(schema, formData)
    const fieldErrors = toFieldErrors(raw.errors ?? [], schema)
    let errors = fieldErrors.map((f) => f.error)
    let errorSchema: ErrorSchema<T>
    if (typeof transformErrors === 'function') {
      errors = transformErrors(errors, uiSchema)
      errorSchema = toErrorSchema<T>(errors)
    } else {
      const b = new ErrorSchemaBuilder<T>()
      for (const f of fieldErrors) b.addErrors(f.error.message ?? '', f.path)
      errorSchema = b.ErrorSchema
    }
    if (raw.validationError) {
      const m = raw.validationError.message
      errors = [...errors, { stack: m, message: m }]
      errorSchema = { ...errorSchema, $schema: { __errors: [m] } } as ErrorSchema<T>
    }
    if (typeof customValidate !== 'function') return { errors, errorSchema }
    const data = getDefaultFormState<T, RJSFSchema>(this, schema, formData, schema, true) as T
    const handler = customValidate(data, createErrorHandler<T>(data), uiSchema)
    return validationDataMerge<T>({ errors, errorSchema }, unwrapErrorHandler<T>(handler))
  }

  /** rjsf's error schema as a flat list. */
  toErrorList(errorSchema?: ErrorSchema<T>, fieldPath: string[] = []): RJSFValidationError[] {
    return toErrorList<T>(errorSchema, fieldPath)
  }

  /** Whether formData matches schema (a part of rootSchema); false when the schema cannot be used. */
  isValid(schema: RJSFSchema, formData: T | undefined, rootSchema: RJSFSchema): boolean {
    try {
      return validatorFor(schema, true, rootSchema).validate(formData).valid
    } catch {
      return false
    }
  }

  /** The validator's own output units, or the reason the schema could not be used. */
  rawValidation<Result = OutputUnit>(schema: RJSFSchema, formData?: T): { errors?: Result[]; validationError?: Error } {
    try {
      return { errors: validatorFor(schema, false).validate(formData).errors as Result[] }
    } catch (err) {
      return { validationError: err instanceof Error ? err : new Error(String(err)) }
    }
  }

  /** Forgets nothing: validators are cached per schema object, which goes with it. */
  reset(): void {}
}

/** The shared instance the configuration form uses. */
export const validator = new CfWorkerValidator<Record<string, unknown>>()
