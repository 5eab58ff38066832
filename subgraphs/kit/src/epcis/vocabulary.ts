/**
 * CBV 2.0 vocabularies arrive in three spellings: a bare word (`shipping`), a URN
 * (`urn:epcglobal:cbv:bizstep:shipping`) and a web URI (`https://ref.gs1.org/cbv/BizStep-shipping`).
 * The store keeps the bare word for standard values and the full URI for anything else, so one
 * index entry serves all three spellings.
 */

interface VocabularyForms {
  urn: string;
  web: string;
}

const FORMS = {
  bizStep: { urn: 'urn:epcglobal:cbv:bizstep:', web: 'https://ref.gs1.org/cbv/BizStep-' },
  disposition: { urn: 'urn:epcglobal:cbv:disp:', web: 'https://ref.gs1.org/cbv/Disp-' },
  bizTransactionType: { urn: 'urn:epcglobal:cbv:btt:', web: 'https://ref.gs1.org/cbv/BTT-' },
  sourceDestType: { urn: 'urn:epcglobal:cbv:sdt:', web: 'https://ref.gs1.org/cbv/SDT-' },
} satisfies Record<string, VocabularyForms>;

export type VocabularyKind = keyof typeof FORMS;

/** Reduces a CBV value in any of its spellings to the bare word; other URIs pass unchanged. */
export function normaliseVocabulary(kind: VocabularyKind, value: string): string {
  const forms = FORMS[kind];
  if (value.startsWith(forms.urn)) return value.slice(forms.urn.length);
  if (value.startsWith(forms.web)) return value.slice(forms.web.length);
  return value;
}

/** Well-known namespaces. `tf` is tracefed's own extension namespace. */
export const NS = {
  cbvmda: 'urn:epcglobal:cbv:mda:',
  tf: 'https://ns.tracefed.org/epcis/',
  gs1: 'https://gs1.org/voc/',
  epcis: 'https://ref.gs1.org/epcis/',
  cbv: 'https://ref.gs1.org/cbv/',
} as const;

/** The master data vocabulary types tracefed reads (EPCIS 2.0 §7.2). */
export const VTYPE = {
  epcClass: 'urn:epcglobal:epcis:vtype:EPCClass',
  businessLocation: 'urn:epcglobal:epcis:vtype:BusinessLocation',
  readPoint: 'urn:epcglobal:epcis:vtype:ReadPoint',
  party: 'urn:epcglobal:epcis:vtype:Party',
} as const;

/** Master data and extension attribute IRIs used by the views. */
export const ATTR = {
  name: `${NS.cbvmda}name`,
  countryCode: `${NS.cbvmda}countryCode`,
  regulatedProductName: `${NS.cbvmda}regulatedProductName`,
  dosageFormType: `${NS.cbvmda}dosageFormType`,
  strengthDescription: `${NS.cbvmda}strengthDescription`,
  additionalTradeItemIdentification: `${NS.cbvmda}additionalTradeItemIdentification`,
  lotNumber: `${NS.cbvmda}lotNumber`,
  itemExpirationDate: `${NS.cbvmda}itemExpirationDate`,
  /** tracefed extensions, for facts CBV has no attribute for. */
  productionDate: `${NS.tf}productionDate`,
  companyPrefixLength: `${NS.tf}companyPrefixLength`,
  partyRole: `${NS.tf}partyRole`,
  siteKind: `${NS.tf}siteKind`,
  operatedBy: `${NS.tf}operatedBy`,
  supplier: `${NS.tf}supplier`,
  productionSite: `${NS.tf}productionSite`,
  materialKind: `${NS.tf}materialKind`,
  unitPrice: `${NS.tf}unitPrice`,
  currency: `${NS.tf}currency`,
  patientRef: `${NS.tf}patientRef`,
} as const;
