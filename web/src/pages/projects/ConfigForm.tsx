// The project configuration form: @rjsf/core generated from the template's
// JSON Schema (draft 2020-12, validated by ./validator: no eval, so it runs
// under the app's CSP), rendered with the app's
// UI components through custom widgets and templates. Heavy: import it only
// from the project pages (their lazy chunks), never from the shell.

// The Form itself, not the package index: the index also exports
// getTestRegistry, which imports @rjsf/validator-ajv8 (a dev dependency of
// @rjsf/core that this app no longer installs: Ajv needs eval).
import Form from '@rjsf/core/lib/components/Form.js'
import {
  ariaDescribedByIds,
  descriptionId,
  enumOptionSelectedValue,
  enumOptionValueDecoder,
  enumOptionValueEncoder,
  errorId,
  getInputProps,
  getOptionValueFormat,
  titleId,
  type ArrayFieldItemTemplateProps,
  type ArrayFieldTemplateProps,
  type BaseInputTemplateProps,
  type DescriptionFieldProps,
  type ErrorSchema,
  type FieldErrorProps,
  type FieldTemplateProps,
  type IconButtonProps,
  type ObjectFieldTemplateProps,
  type RJSFSchema,
  type TitleFieldProps,
  type WidgetProps,
} from '@rjsf/utils'
import { ArrowDownIcon, ArrowUpIcon, CopyIcon, PlusIcon, Trash2Icon, XIcon } from 'lucide-react'
import type { ChangeEvent, ReactNode } from 'react'
import { Button, Input, Textarea } from '@/components/ui'
import type { FieldError } from '@/lib/api'
import { cn } from '@/lib/utils'
import { validator } from './validator'

type Data = Record<string, unknown>

/**
 * The API's field errors (`configuration.fields.0.name`) as rjsf's error
 * schema ({fields: {0: {name: {__errors: [...]}}}}); other fields are ignored.
 */
export function toErrorSchema(details: FieldError[], prefix = 'configuration'): ErrorSchema {
  const root: Record<string, unknown> = {}
  for (const d of details) {
    if (d.field !== prefix && !d.field.startsWith(prefix + '.')) continue
    const path = d.field.slice(prefix.length).replace(/^\./, '')
    let node = root
    for (const seg of path ? path.split('.') : []) {
      node[seg] ??= {}
      node = node[seg] as Record<string, unknown>
    }
    const errs = ((node.__errors as string[] | undefined) ??= [])
    errs.push(d.message)
  }
  return root as ErrorSchema
}

/** A string or number: an item of such a list sits on one line with its buttons. */
function isScalar(schema: RJSFSchema): boolean {
  return schema.type === 'string' || schema.type === 'number' || schema.type === 'integer'
}

function FieldTemplate(props: FieldTemplateProps) {
  const { id, label, children, errors, help, description, hidden, required, displayLabel, schema, rawErrors, fieldPathId } = props
  if (hidden) return <div className="hidden">{children}</div>
  const isBool = schema.type === 'boolean'
  // An item of a list of strings ("Choices-2"): its label is for screen readers ("Choices 2").
  const listItem = typeof fieldPathId.path[fieldPathId.path.length - 1] === 'number' && isScalar(schema)
  return (
    <div
      className={cn('grid content-start gap-1.5', (schema.type === 'array' || schema.type === 'object') && 'md:col-span-2')}
      data-field={id}
      data-invalid={rawErrors && rawErrors.length > 0 ? 'true' : undefined}
    >
      {displayLabel && !isBool && label && (
        <label htmlFor={id} className={cn('text-sm leading-none font-medium', listItem && 'sr-only')}>
          {listItem ? label.replace(/-(\d+)$/, ' $1') : label}
          {required && (
            <span aria-hidden="true" className="ml-0.5 text-destructive">
              *
            </span>
          )}
        </label>
      )}
      {displayLabel && !isBool && !listItem && description}
      {children}
      {errors}
      {help}
    </div>
  )
}

function DescriptionField({ id, description }: DescriptionFieldProps) {
  if (!description) return null
  return (
    <p id={id} className="text-xs text-muted-foreground">
      {description}
    </p>
  )
}

function TitleField({ id, title, required }: TitleFieldProps) {
  return (
    <legend id={id} className="text-sm font-semibold">
      {title}
      {required && (
        <span aria-hidden="true" className="ml-0.5 text-destructive">
          *
        </span>
      )}
    </legend>
  )
}

function FieldErrors({ errors = [], fieldPathId }: FieldErrorProps) {
  const list = errors.filter(Boolean)
  if (list.length === 0) return null
  return (
    <ul id={errorId(fieldPathId)} className="grid gap-0.5 text-xs text-destructive" role="alert">
      {list.map((e, i) => (
        <li key={i}>{e}</li>
      ))}
    </ul>
  )
}

function BaseInput(props: BaseInputTemplateProps) {
  const {
    id,
    htmlName,
    value,
    readonly,
    disabled,
    autofocus,
    onBlur,
    onFocus,
    onChange,
    onChangeOverride,
    options,
    schema,
    rawErrors,
    type,
    placeholder,
    required,
  } = props
  const inputProps = getInputProps(schema, type, options)
  const numeric = inputProps.type === 'number' || inputProps.type === 'integer'
  const v = numeric ? (value || value === 0 ? value : '') : (value ?? '')
  const change = (e: ChangeEvent<HTMLInputElement>) =>
    onChange(e.target.value === '' ? options.emptyValue : e.target.value)
  const isColor = typeof schema.pattern === 'string' && schema.pattern.startsWith('^#[0-9a-fA-F]{6}')
  return (
    <div className="flex items-center gap-2">
      <Input
        id={id}
        name={htmlName || id}
        readOnly={readonly}
        disabled={disabled}
        autoFocus={autofocus}
        placeholder={placeholder}
        required={required}
        {...inputProps}
        value={v as string | number}
        aria-invalid={rawErrors && rawErrors.length > 0 ? true : undefined}
        aria-describedby={ariaDescribedByIds(id)}
        onChange={onChangeOverride || change}
        onBlur={(e) => onBlur(id, e.target.value)}
        onFocus={(e) => onFocus(id, e.target.value)}
      />
      {isColor && typeof value === 'string' && /^#[0-9a-fA-F]{6}$/.test(value) && (
        <span aria-hidden="true" className="size-9 shrink-0 rounded-md border" style={{ background: value }} />
      )}
    </div>
  )
}

function TextareaWidget({ id, value, disabled, readonly, onChange, onBlur, onFocus, options, rawErrors, htmlName }: WidgetProps) {
  return (
    <Textarea
      id={id}
      name={htmlName || id}
      value={(value as string) ?? ''}
      disabled={disabled}
      readOnly={readonly}
      rows={typeof options.rows === 'number' ? options.rows : 3}
      aria-invalid={rawErrors && rawErrors.length > 0 ? true : undefined}
      aria-describedby={ariaDescribedByIds(id)}
      onChange={(e) => onChange(e.target.value === '' ? options.emptyValue : e.target.value)}
      onBlur={(e) => onBlur(id, e.target.value)}
      onFocus={(e) => onFocus(id, e.target.value)}
    />
  )
}

function CheckboxWidget({ id, value, disabled, readonly, onChange, onBlur, onFocus, label, schema, rawErrors, htmlName, hideLabel }: WidgetProps) {
  return (
    <div className="grid gap-1">
      <div className="flex items-center gap-2">
        <input
          type="checkbox"
          id={id}
          name={htmlName || id}
          checked={value === true}
          disabled={disabled || readonly}
          aria-invalid={rawErrors && rawErrors.length > 0 ? true : undefined}
          aria-describedby={ariaDescribedByIds(id)}
          className="size-4 rounded border-input accent-primary focus-visible:ring-2 focus-visible:ring-ring focus-visible:outline-none"
          onChange={(e) => onChange(e.target.checked)}
          onBlur={() => onBlur(id, value)}
          onFocus={() => onFocus(id, value)}
        />
        {!hideLabel && (
          <label htmlFor={id} className="text-sm font-medium">
            {label || schema.title}
          </label>
        )}
      </div>
      {schema.description && (
        <p id={descriptionId(id)} className="text-xs text-muted-foreground">
          {schema.description}
        </p>
      )}
    </div>
  )
}

function SelectWidget(props: WidgetProps) {
  const { id, options, value, required, disabled, readonly, multiple = false, onChange, onBlur, onFocus, htmlName, rawErrors, schema, placeholder } = props
  const { enumOptions, enumDisabled, emptyValue: optEmpty } = options
  const fmt = getOptionValueFormat(options)
  const read = (e: ChangeEvent<HTMLSelectElement>) =>
    multiple ? Array.from(e.target.selectedOptions).map((o) => o.value) : e.target.value
  const decode = (e: ChangeEvent<HTMLSelectElement>) => enumOptionValueDecoder(read(e), enumOptions, fmt, optEmpty)
  const selected = enumOptionSelectedValue(value, enumOptions, multiple, fmt, multiple ? [] : '')
  return (
    <select
      id={id}
      name={htmlName || id}
      multiple={multiple}
      value={selected as string | string[]}
      required={required}
      disabled={disabled || readonly}
      aria-invalid={rawErrors && rawErrors.length > 0 ? true : undefined}
      aria-describedby={ariaDescribedByIds(id)}
      onChange={(e) => onChange(decode(e))}
      onBlur={(e) => onBlur(id, decode(e as unknown as ChangeEvent<HTMLSelectElement>))}
      onFocus={(e) => onFocus(id, decode(e as unknown as ChangeEvent<HTMLSelectElement>))}
      className={cn(
        'w-full min-w-0 rounded-md border border-input bg-background px-3 py-1 text-sm shadow-xs outline-none',
        !multiple && 'h-9',
        'focus-visible:border-ring focus-visible:ring-2 focus-visible:ring-ring/40 disabled:opacity-50 aria-invalid:border-destructive',
      )}
    >
      {!multiple && schema.default === undefined && <option value="">{placeholder || 'Choose…'}</option>}
      {(enumOptions ?? []).map((o, i) => (
        <option
          key={String(o.value)}
          value={enumOptionValueEncoder(o.value, i, fmt) as string}
          disabled={enumDisabled?.includes(o.value)}
        >
          {o.label}
        </option>
      ))}
    </select>
  )
}

/**
 * The properties of an object not worth showing: a list of choices (an array
 * property named options/choices) of a field whose `type` can be "select"
 * but is something else, while that list is empty. It comes back when the
 * type becomes select (and stays while it holds choices, so they can be cleared).
 */
export function hiddenChoiceLists(schema: RJSFSchema, formData: unknown): Set<string> {
  const hidden = new Set<string>()
  const props = schema.properties ?? {}
  const typeProp = props.type
  const canSelect = typeof typeProp === 'object' && Array.isArray(typeProp.enum) && typeProp.enum.includes('select')
  if (!canSelect) return hidden
  const data = (formData && typeof formData === 'object' ? formData : {}) as Data
  if (data.type === 'select') return hidden
  for (const name of ['options', 'choices']) {
    const p = props[name]
    if (typeof p !== 'object' || p.type !== 'array') continue
    const v = data[name]
    if (!Array.isArray(v) || v.length === 0) hidden.add(name)
  }
  return hidden
}

function ObjectFieldTemplate(props: ObjectFieldTemplateProps) {
  const { title, description, fieldPathId, registry, schema, formData } = props
  const hide = hiddenChoiceLists(schema, formData)
  const properties = hide.size ? props.properties.filter((p) => !hide.has(p.name)) : props.properties
  const isRoot = fieldPathId.$id === registry.globalFormOptions.idPrefix || fieldPathId.path.length === 0
  if (isRoot) return <div className="grid gap-5">{properties.map((p) => p.content)}</div>
  // An array item sits in its own bordered row already: lay its fields out flat.
  if (typeof fieldPathId.path[fieldPathId.path.length - 1] === 'number') {
    return (
      <div id={fieldPathId.$id} role="group" aria-label={title || undefined} className="grid gap-3 md:grid-cols-2">
        {properties.map((p) => p.content)}
      </div>
    )
  }
  return (
    <fieldset id={fieldPathId.$id} className="grid gap-4 rounded-lg border p-4">
      {title && <TitleField id={titleId(fieldPathId)} title={title} registry={registry} schema={{}} />}
      {description}
      {properties.map((p) => p.content)}
    </fieldset>
  )
}

function ArrayFieldTemplate(props: ArrayFieldTemplateProps) {
  const { canAdd, disabled, readonly, fieldPathId, items, onAddClick, schema, title, uiSchema, registry } = props
  const label = (uiSchema?.['ui:title'] as string | undefined) || title
  return (
    <fieldset id={fieldPathId.$id} className="grid gap-3 rounded-lg border p-4">
      {label && <TitleField id={titleId(fieldPathId)} title={label} registry={registry} schema={schema} />}
      {schema.description && (
        <p id={descriptionId(fieldPathId)} className="text-xs text-muted-foreground">
          {schema.description}
        </p>
      )}
      <ol className="grid gap-3">{items}</ol>
      {canAdd && (
        <div>
          <Button type="button" variant="outline" size="sm" onClick={onAddClick} disabled={disabled || readonly}>
            <PlusIcon aria-hidden="true" /> Add {schema.items && typeof schema.items === 'object' && 'title' in schema.items ? String(schema.items.title).toLowerCase() : 'item'}
          </Button>
        </div>
      )}
    </fieldset>
  )
}

function ArrayFieldItemTemplate(props: ArrayFieldItemTemplateProps) {
  const { children, buttonsProps, hasToolbar, index, totalItems, schema } = props
  const { hasMoveUp, hasMoveDown, hasRemove, onMoveUpItem, onMoveDownItem, onRemoveItem, disabled, readonly } = buttonsProps
  const off = disabled || readonly
  const n = `item ${index + 1} of ${totalItems}`
  // A string (a choice): one line, the field then its buttons; objects get a bordered block.
  const scalar = isScalar(schema)
  return (
    <li className={cn(scalar ? 'flex items-start gap-2' : 'grid gap-2 rounded-md border bg-muted/30 p-3')}>
      {scalar ? <div className="min-w-0 flex-1">{children}</div> : children}
      {hasToolbar && (
        <div className={cn('flex gap-1', !scalar && 'justify-end')}>
          {(hasMoveUp || hasMoveDown) && (
            <>
              <Button type="button" variant="ghost" size="icon" aria-label={`Move ${n} up`} disabled={off || !hasMoveUp} onClick={onMoveUpItem}>
                <ArrowUpIcon aria-hidden="true" />
              </Button>
              <Button type="button" variant="ghost" size="icon" aria-label={`Move ${n} down`} disabled={off || !hasMoveDown} onClick={onMoveDownItem}>
                <ArrowDownIcon aria-hidden="true" />
              </Button>
            </>
          )}
          {hasRemove && (
            <Button type="button" variant="ghost" size="icon" aria-label={`Remove ${n}`} disabled={off} onClick={onRemoveItem}>
              <Trash2Icon aria-hidden="true" />
            </Button>
          )}
        </div>
      )}
    </li>
  )
}

function iconButton(icon: ReactNode, label: string) {
  return function IconBtn({ onClick, disabled, id, title }: IconButtonProps) {
    return (
      <Button type="button" variant="ghost" size="icon" id={id} aria-label={title || label} disabled={disabled} onClick={onClick}>
        {icon}
      </Button>
    )
  }
}

const templates = {
  FieldTemplate,
  DescriptionFieldTemplate: DescriptionField,
  TitleFieldTemplate: TitleField,
  FieldErrorTemplate: FieldErrors,
  BaseInputTemplate: BaseInput,
  ObjectFieldTemplate,
  ArrayFieldTemplate,
  ArrayFieldItemTemplate,
  ButtonTemplates: {
    SubmitButton: () => null,
    AddButton: iconButton(<PlusIcon aria-hidden="true" />, 'Add'),
    CopyButton: iconButton(<CopyIcon aria-hidden="true" />, 'Copy'),
    MoveUpButton: iconButton(<ArrowUpIcon aria-hidden="true" />, 'Move up'),
    MoveDownButton: iconButton(<ArrowDownIcon aria-hidden="true" />, 'Move down'),
    RemoveButton: iconButton(<Trash2Icon aria-hidden="true" />, 'Remove'),
    ClearButton: iconButton(<XIcon aria-hidden="true" />, 'Clear'),
  },
}

const widgets = { CheckboxWidget, SelectWidget, TextareaWidget }

export interface ConfigFormProps {
  schema: Record<string, unknown>
  formData: Data
  /** The new data and the id of the field that changed (e.g. root_appName), when known. */
  onChange: (data: Data, fieldId?: string) => void
  /** Called with the data once it passes the schema in the browser. */
  onSubmit: (data: Data) => void
  /** Field errors from the API (422/400 details), shown on their fields. */
  apiErrors?: FieldError[]
  disabled?: boolean
  id?: string
  /** The submit controls, rendered at the end of the form. */
  children?: ReactNode
}

/** The configuration form of a template, with inline errors (browser and API). */
export default function ConfigForm({ schema, formData, onChange, onSubmit, apiErrors, disabled, id, children }: ConfigFormProps) {
  return (
    <div data-testid="config-form">
      <Form
        id={id}
        schema={schema as RJSFSchema}
        validator={validator}
        formData={formData}
        onChange={(e, fieldId) => onChange((e.formData ?? {}) as Data, fieldId)}
        onSubmit={(e) => onSubmit((e.formData ?? {}) as Data)}
        templates={templates}
        widgets={widgets}
        extraErrors={apiErrors ? toErrorSchema(apiErrors) : undefined}
        showErrorList={false}
        noHtml5Validate
        focusOnFirstError
        disabled={disabled}
        className="grid gap-6"
      >
        {children}
      </Form>
    </div>
  )
}
