import type { Executor } from '@tracefed/kit/db/connection';
import { createEventRepository } from '@tracefed/kit/epcis/repository';

/**
 * The manufacturer's queries. Today they are all the shared event-store queries; manufacturer-only
 * tables (recalls, price lists) add their SQL here, and only here.
 */
export function createRepository(db: Executor) {
  return { ...createEventRepository(db) };
}

export type Repository = ReturnType<typeof createRepository>;
