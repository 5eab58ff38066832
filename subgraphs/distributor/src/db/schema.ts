// The distributor node's tables. The EPCIS event store and master data come from the kit; tables
// that only a distributor keeps are added here, and drizzle-kit generates this node's migrations.
export { epcisEvent, eventEpc, containment, vocabularyElement, eventAnomaly, captureJob, unitPosition, unitPositionState } from '@tracefed/kit/epcis/tables';
