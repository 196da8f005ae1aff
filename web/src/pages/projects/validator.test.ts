import { getDefaultFormState, type RJSFSchema } from '@rjsf/utils'
import { describe, expect, it, vi } from 'vitest'
import { CfWorkerValidator, draftOf, pointerPath } from './validator'

// The catalog's real template schemas (draft 2020-12, $defs, patterns, formats).
const schemas = import.meta.glob<RJSFSchema>('../../../../catalog/templates/*/schema.json', { eager: true, import: 'default' })
const bySlug = Object.fromEntries(Object.entries(schemas).map(([path, s]) => [path.split('/').at(-2)!, s]))

const v = new CfWorkerValidator<Record<string, unknown>>()
type Data = Record<string, unknown>
const defaults = (s: RJSFSchema) => getDefaultFormState<Data>(v, s, undefined, s) as Data

describe('CfWorkerValidator', () => {
  it('reads every template schema of the catalog, and their defaults are valid', () => {
    expect(Object.keys(bySlug).length).toBeGreaterThanOrEqual(12)
    for (const [slug, s] of Object.entries(bySlug)) {
      expect(draftOf(s), slug).toBe('2020-12')
      const data = defaults(s)
      const r = v.validateFormData(data, s)
      expect(r.errors, slug).toEqual([])
      expect(v.rawValidation(s, data).validationError, slug).toBeUndefined()
      expect(v.isValid(s, data, s), slug).toBe(true)
    }
  })

  it('puts each error on its field: nested array items through $defs, patterns, lengths, required', () => {
    const s = bySlug['patient-intake']
    const data = defaults(s)
    const fields = structuredClone(data.fields) as Data[]
    fields[0] = { ...fields[0], name: '1bad' }
    delete fields[2].label
    const r = v.validateFormData({ ...data, appName: '', primaryColor: 'teal', fields }, s)
    const es = r.errorSchema as Record<string, any>
    expect(es.appName.__errors).toEqual(['must not be empty'])
    expect(es.primaryColor.__errors).toEqual(['must match pattern ^#[0-9a-fA-F]{6}$'])
    expect(es.fields[0].name.__errors).toEqual(['must match pattern ^[A-Za-z][A-Za-z0-9_]{0,39}$'])
    expect(es.fields[2].label.__errors).toEqual(['is required'])
    // Only the failing parts: no "a subschema had errors" on the parents.
    expect(es.__errors).toBeUndefined()
    expect(es.fields.__errors).toBeUndefined()
    expect(r.errors.map((e) => e.property).sort()).toEqual(['.appName', '.fields.0.name', '.fields.2.label', '.primaryColor'])
    expect(v.isValid(s, { ...data, appName: '' }, s)).toBe(false)
  })

  it('reports a missing required top-level property, array bounds, enums, extra properties and formats', () => {
    const pi = bySlug['patient-intake']
    const data = defaults(pi)
    delete data.appName
    const r = v.validateFormData({ ...data, fields: [], extra: 1 }, pi)
    const es = r.errorSchema as Record<string, any>
    expect(es.appName.__errors).toEqual(['is required'])
    expect(es.fields.__errors).toEqual(['must have at least 1 item'])
    expect(es.__errors).toEqual(['must not have the property extra'])
    const bad = v.validateFormData({ ...defaults(pi), fields: [{ name: 'a', label: 'A', type: 'radio' }] }, pi)
    expect((bad.errorSchema as any).fields[0].type.__errors).toEqual(['must be one of the allowed values'])

    const withEmail = Object.entries(bySlug).find(([, s]) => JSON.stringify(s).includes('"format":"email"'))!
    const [slug, s] = withEmail
    const emailKey = Object.entries(s.properties ?? {}).find(([, p]) => (p as RJSFSchema).format === 'email')![0]
    const e = v.validateFormData({ ...defaults(s), [emailKey]: 'not an email' }, s)
    expect((e.errorSchema as any)[emailKey]?.__errors, slug).toEqual(['must be a valid email'])
  })

  it('answers isValid for a part of the root with the root’s $defs (rjsf’s option matching)', () => {
    const root: RJSFSchema = {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      $defs: { code: { type: 'string', pattern: '^[A-Z]{3}$' } },
      type: 'object',
      properties: { c: { anyOf: [{ $ref: '#/$defs/code' }, { type: 'null' }] } },
    }
    const part: RJSFSchema = { type: 'object', properties: { c: { $ref: '#/$defs/code' } } }
    expect(v.isValid(part, { c: 'ABC' }, root)).toBe(true)
    expect(v.isValid(part, { c: 'abc' }, root)).toBe(false)
    // A failed anyOf is one message on its field, not one per branch.
    const r = v.validateFormData({ c: 'abc' }, root)
    expect((r.errorSchema as any).c.__errors).toEqual(['must match one of the allowed shapes'])
  })

  it('turns an unusable schema into a validation error instead of throwing', () => {
    const bad = { $ref: 'https://elsewhere.example/schema.json' } as RJSFSchema
    expect(v.rawValidation(bad, {}).validationError?.message).toMatch(/^Unresolved \$ref/)
    const r = v.validateFormData({}, bad)
    expect(r.errors[0].message).toMatch(/^Unresolved \$ref/)
    expect((r.errorSchema as any).$schema.__errors).toHaveLength(1)
    expect(v.isValid(bad, {}, bad)).toBe(false)
  })

  it('does not change the schema it is given', () => {
    const s = structuredClone(bySlug['patient-intake'])
    const before = JSON.stringify(s)
    v.validateFormData({}, s)
    expect(Object.getOwnPropertyNames(s)).not.toContain('__absolute_uri__')
    expect(JSON.stringify(s)).toBe(before)
  })

  it('merges custom validation and applies transformErrors', () => {
    const s: RJSFSchema = { type: 'object', properties: { a: { type: 'string', maxLength: 2 } } }
    const r = v.validateFormData(
      { a: 'abcd' },
      s,
      (data, errors) => {
        if (data?.a) errors.a?.addError('custom says no')
        return errors
      },
      (errs) => errs.map((e) => ({ ...e, message: `${e.message}!` })),
    )
    expect((r.errorSchema as any).a.__errors).toEqual(['must be at most 2 characters!', 'custom says no'])
    expect(v.toErrorList(r.errorSchema).map((e) => e.stack)).toEqual(['.a must be at most 2 characters!', '.a custom says no'])
  })

  it('works where eval is refused, as under the app\'s CSP (no new Function, no eval)', () => {
    const refuse = () => {
      throw new EvalError("Refused to evaluate a string as JavaScript because 'unsafe-eval' is not allowed")
    }
    vi.stubGlobal('Function', new Proxy(Function, { construct: refuse, apply: refuse }))
    vi.stubGlobal('eval', refuse)
    try {
      const s = structuredClone(bySlug['patient-intake'])
      const fresh = new CfWorkerValidator<Data>()
      expect(fresh.validateFormData({ ...defaults(s), appName: 'x'.repeat(81) }, s).errors.map((e) => e.stack)).toEqual([
        '.appName must be at most 80 characters',
      ])
    } finally {
      vi.unstubAllGlobals()
    }
  })

  it('splits JSON pointers', () => {
    expect(pointerPath('#')).toEqual([])
    expect(pointerPath('#/fields/0/a~1b')).toEqual(['fields', '0', 'a/b'])
  })
})
