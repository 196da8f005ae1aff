// Test data of the projects area (shapes of the API's answers).

import type { Deployment, Project, TemplateDetail } from './api'

export const schema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  additionalProperties: false,
  required: ['appName'],
  properties: {
    appName: { title: 'Application name', type: 'string', minLength: 1, maxLength: 80, default: 'Patient Intake' },
    primaryColor: { title: 'Primary color', type: 'string', pattern: '^#[0-9a-fA-F]{6}$', default: '#0F766E' },
    requireConsent: { title: 'Require consent', type: 'boolean', default: true },
    fields: {
      title: 'Intake questions',
      type: 'array',
      items: { $ref: '#/$defs/formField' },
      default: [{ name: 'firstName', label: 'First name', type: 'text' }],
    },
  },
  $defs: {
    formField: {
      title: 'Form field',
      type: 'object',
      required: ['name', 'label', 'type'],
      properties: {
        name: { title: 'Field key', type: 'string', pattern: '^[A-Za-z][A-Za-z0-9_]{0,39}$' },
        label: { title: 'Label', type: 'string', minLength: 1 },
        type: { title: 'Answer type', type: 'string', enum: ['text', 'email', 'date'] },
      },
    },
  },
}

export const template: TemplateDetail = {
  id: '11111111-1111-4111-8111-111111111111',
  slug: 'patient-intake',
  name: 'Patient Intake Portal',
  description: 'Intake',
  version: 1,
  configSchema: schema,
}

export const project: Project = {
  id: '22222222-2222-4222-8222-222222222222',
  name: 'Clinic intake',
  slug: 'clinic-intake',
  description: 'For the front desk',
  templateId: template.id,
  templateVersion: 1,
  configuration: {
    appName: 'Clinic intake',
    primaryColor: '#0F766E',
    requireConsent: true,
    fields: [{ name: 'firstName', label: 'First name', type: 'text' }],
  },
  status: 'draft',
  statusMessage: '',
  deploymentUrl: '',
  liveDeploymentId: null,
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-02T00:00:00Z',
}

export function deployment(over: Partial<Deployment> = {}): Deployment {
  return {
    id: '33333333-3333-4333-8333-333333333333',
    projectId: project.id,
    seq: 1,
    kind: 'deploy',
    rollbackOf: null,
    status: 'queued',
    requestedBy: 'u1',
    workflowId: 'deployment-1',
    sourceDigest: '',
    artifactDigest: '',
    url: '',
    approvalId: null,
    previewUrl: '',
    error: '',
    steps: [],
    createdAt: '2026-01-03T00:00:00Z',
    updatedAt: '2026-01-03T00:00:00Z',
    finishedAt: null,
    waitingFor: null,
    ...over,
  }
}
