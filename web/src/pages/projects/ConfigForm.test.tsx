import type { RJSFSchema } from '@rjsf/utils'
import { render, screen, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { useState } from 'react'
import { describe, expect, it } from 'vitest'
import ConfigForm, { hiddenChoiceLists } from './ConfigForm'

const schemas = import.meta.glob<RJSFSchema>('../../../../catalog/templates/patient-intake/schema.json', { eager: true, import: 'default' })
const intake = Object.values(schemas)[0]
type Data = Record<string, unknown>
const defaults = intake.properties!.fields as { default: Data[] }

function Harness({ initial }: { initial: Data }) {
  const [data, setData] = useState(initial)
  return <ConfigForm schema={intake as Record<string, unknown>} formData={data} onChange={(d) => setData(d)} onSubmit={() => {}} />
}

describe('ConfigForm', () => {
  it('shows a question’s Choices only where the answer type is select', async () => {
    render(<Harness initial={{ appName: 'Intake', fields: defaults.default }} />)
    const selects = defaults.default.filter((f) => f.type === 'select').length
    expect(selects).toBe(1)
    expect(await screen.findAllByRole('group', { name: 'Choices' })).toHaveLength(selects)
    // Turning the first question into a select brings its (empty) Choices.
    const types = screen.getAllByLabelText(/Answer type/)
    await userEvent.selectOptions(types[0], 'select')
    expect(screen.getAllByRole('group', { name: 'Choices' })).toHaveLength(selects + 1)
    const first = screen.getAllByRole('listitem')[0]
    expect(within(first).getByRole('group', { name: 'Choices' })).toBeInTheDocument()
    expect(screen.getByTestId('config-form')).toBeInTheDocument()
  })

  it('lays a list of choices out one per line, each field named for screen readers', async () => {
    render(<Harness initial={{ appName: 'Intake', fields: defaults.default }} />)
    const choices = await screen.findByRole('group', { name: 'Choices' })
    const first = within(choices).getByRole('textbox', { name: 'Choices 1' })
    expect(first).toHaveValue('Self-pay')
    const row = first.closest('li')!
    expect(row).toHaveClass('flex')
    expect(within(row).getByRole('button', { name: 'Remove item 1 of 6' })).toBeInTheDocument()
  })

  it('keeps a Choices list that still holds choices, whatever the type', () => {
    const item = (intake.$defs as Record<string, RJSFSchema>).formField
    expect([...hiddenChoiceLists(item, { type: 'text', options: [] })]).toEqual(['options'])
    expect([...hiddenChoiceLists(item, { type: 'text' })]).toEqual(['options'])
    expect([...hiddenChoiceLists(item, { type: 'select', options: [] })]).toEqual([])
    expect([...hiddenChoiceLists(item, { type: 'text', options: ['a'] })]).toEqual([])
    expect([...hiddenChoiceLists(intake, { appName: 'x' })]).toEqual([])
  })
})
