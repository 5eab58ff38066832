// The logistics node's tables: the kit's EPCIS event store and master data, nothing else. Carriers'
// pickups, deliveries and sensor readings are EPCIS events; legs and excursions are read from them
// (see ../transit.ts), so there is no second copy to keep in step with captures and retractions.
export { epcisEvent, eventEpc, containment, vocabularyElement, eventAnomaly, captureJob, unitPosition, unitPositionState } from '@tracefed/kit/epcis/tables';
