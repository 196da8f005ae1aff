// Test data for the gallery's tests.

import type { Template } from './api'

/** A gallery item, patient-intake by default. */
export function tpl(over: Partial<Template> = {}): Template {
  return {
    id: '0190a4c2-7d3e-7b1a-9c4d-000000000001',
    slug: 'patient-intake',
    name: 'Patient Intake',
    industry: 'healthcare',
    category: 'forms',
    description: 'Digital intake forms.',
    complexity: 'low',
    compliance: ['HIPAA', 'SOC2'],
    features: ['Consent capture'],
    roi: { annualSavingsUsd: 48000, paybackMonths: 3, summary: 'Saves front-desk time.' },
    version: 1,
    source: 'catalog',
    rating: { average: 4.5, count: 12 },
    usageCount: 37,
    favorite: false,
    myRating: null,
    createdAt: '2026-01-01T00:00:00Z',
    updatedAt: '2026-01-01T00:00:00Z',
    ...over,
  }
}
