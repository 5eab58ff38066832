/**
 * The EPCIS 2.0 REST binding on every node, under /epcis:
 *
 *   POST /epcis/capture                 an EPCISDocument (application/json or application/ld+json)
 *   GET  /epcis/capture/{captureID}     the capture job
 *   GET  /epcis/events                  SimpleEventQuery parameters → EPCISQueryDocument
 *   GET  /epcis/events/{eventID}        one event
 *   GET  /epcis/epcs/{epc}/events       events naming an identifier (in any of its forms)
 *
 * Errors are RFC 7807 problem documents with the EPCIS exception types (`epcisException:…`); a refused
 * document lists every problem with its event index, JSON path and reason.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { authorizeCapture, type CaptureNode } from '../auth/capture.ts';
import type { Identity, Role } from '../auth/identity.ts';
import type { Db } from '../db/connection.ts';
import { captureDocument, findCaptureJob } from '../epcis/capture.ts';
import { parseEventQuery, queryEvents } from '../epcis/query.ts';
import { EpcisDocumentError, locateEvents, type DocumentProblem } from '../epcis/validate.ts';
import { HttpError, type Route } from './http.ts';

/** Investigators and regulators read every partner's events; a partner reads its own. */
function seesEveryPartner(identity: Identity): boolean {
  return identity.role === 'investigator' || identity.role === 'regulator';
}

export interface EpcisRouteOptions {
  db: Db;
  /** This node's name: a partner captures only into its own role's node ... */
  node: CaptureNode;
  /** ... unless the node names the roles that capture into it (SubgraphDefinition.captureRoles). */
  captureRoles?: readonly Role[];
  /** Who is calling: the partner's verified identity (its bearer token, or the gateway-signed identity). */
  authenticate: (req: IncomingMessage) => Promise<Identity>;
  /** Largest capture body, in bytes (default 32 MiB). */
  maxBodyBytes?: number;
  /** Most events in one captured document (default 20,000). */
  maxEvents?: number;
}

export const DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024;
export const DEFAULT_MAX_EVENTS = 20_000;

const EPCIS_CONTEXT = 'https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld';

/** An EPCIS REST error: status, exception type, and the problems behind it. */
export class EpcisHttpError extends Error {
  constructor(
    readonly status: number,
    readonly exception: string,
    message: string,
    readonly problems: DocumentProblem[] = [],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

const TITLES: Record<string, string> = {
  ValidationException: 'The EPCIS document is not valid',
  CaptureLimitExceededException: 'The capture is larger than this repository accepts',
  QueryParameterException: 'The query parameters are not valid',
  NoSuchResourceException: 'Not found',
  SecurityException: 'Not allowed',
  UnsupportedMediaTypeException: 'Unsupported content type',
  MethodNotAllowedException: 'Method not allowed',
};

function sendProblem(res: ServerResponse, error: EpcisHttpError): void {
  const body = {
    type: `epcisException:${error.exception}`,
    title: TITLES[error.exception] ?? error.exception,
    status: error.status,
    detail: error.message,
    ...(error.problems.length > 0 ? { errors: error.problems } : {}),
  };
  res.writeHead(error.status, { 'content-type': 'application/problem+json', ...standardHeaders, ...error.headers });
  res.end(JSON.stringify(body));
}

const standardHeaders = { 'gs1-epcis-version': '2.0.0', 'gs1-cbv-version': '2.0.0' };

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/ld+json', ...standardHeaders, ...headers });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage, limit: number): Promise<unknown> {
  const tooLarge = () =>
    new EpcisHttpError(413, 'CaptureLimitExceededException', `the document exceeds ${limit} bytes, the most this repository accepts in one capture; split it into smaller documents`, [], {
      'gs1-epcis-capture-file-size-limit': String(limit),
    });
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      req.resume();
      throw tooLarge();
    }
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim().length === 0) throw new EpcisHttpError(400, 'ValidationException', 'the request body is empty; expected an EPCISDocument');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new EpcisHttpError(400, 'ValidationException', `the request body is not JSON: ${(error as Error).message}`);
  }
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new EpcisHttpError(400, 'QueryParameterException', `path segment "${segment}" has a malformed percent-escape`);
  }
}

/** The EPCIS routes of one node, as a Route for the node's HTTP server. */
export function createEpcisRoutes(options: EpcisRouteOptions): Route {
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const maxEvents = options.maxEvents ?? DEFAULT_MAX_EVENTS;
  const limitHeaders = {
    'gs1-epcis-capture-limit': String(maxEvents),
    'gs1-epcis-capture-file-size-limit': String(maxBodyBytes),
  };

  async function capture(req: IncomingMessage, res: ServerResponse, identity: Identity): Promise<void> {
    const receivedAt = new Date();
    const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    if (type !== 'application/json' && type !== 'application/ld+json') {
      req.resume();
      throw new EpcisHttpError(415, 'UnsupportedMediaTypeException', `content type "${type ?? ''}" is not accepted; send application/json or application/ld+json`);
    }
    const document = await readBody(req, maxBodyBytes);
    const { list } = locateEvents(document);
    if (Array.isArray(list) && list.length > maxEvents) {
      throw new EpcisHttpError(
        413,
        'CaptureLimitExceededException',
        `the document has ${list.length} events; this repository accepts at most ${maxEvents} per capture, so split it into smaller documents`,
        [],
        limitHeaders,
      );
    }
    try {
      const job = await captureDocument(options.db, {
        partner: identity.partner,
        document,
        receivedAt,
        authorize: (normalised) => authorizeCapture(identity, options.node, normalised, options.captureRoles),
      });
      sendJson(res, 202, job, { location: `/epcis/capture/${encodeURIComponent(job.captureID)}`, ...limitHeaders });
    } catch (error) {
      if (!(error instanceof EpcisDocumentError)) throw error;
      const count = error.problems.length;
      throw new EpcisHttpError(
        error.status,
        error.status === 403 ? 'SecurityException' : 'ValidationException',
        `the document was refused with ${count} problem${count === 1 ? '' : 's'}; nothing was stored`,
        error.problems,
      );
    }
  }

  async function query(
    res: ServerResponse,
    url: URL,
    identity: Identity,
    extra: Record<string, string[]> = {},
    single = false,
  ): Promise<void> {
    const parsed = parseEventQuery(url.searchParams, extra);
    if (!parsed.ok) {
      throw new EpcisHttpError(400, 'QueryParameterException', `${parsed.problems.length} query parameter problem(s)`, parsed.problems);
    }
    // A partner queries the events it captured; investigators and regulators query every partner's.
    const page = await queryEvents(options.db, { ...parsed.query, ...(seesEveryPartner(identity) ? {} : { owners: [identity.partner] }) });
    if (single && page.events.length === 0) {
      throw new EpcisHttpError(404, 'NoSuchResourceException', `no event with eventID ${extra.EQ_eventID?.[0] ?? ''} in this repository`);
    }
    const headers: Record<string, string> = {};
    if (page.nextPageToken) {
      const next = new URL(url.pathname, 'http://localhost');
      for (const [k, v] of url.searchParams) if (k !== 'nextPageToken') next.searchParams.append(k, v);
      next.searchParams.set('nextPageToken', page.nextPageToken);
      headers.link = `<${next.pathname}${next.search}>; rel="next"`;
    }
    sendJson(res, 200, queryDocument(page.events), headers);
  }

  async function identify(req: IncomingMessage): Promise<Identity> {
    try {
      return await options.authenticate(req);
    } catch (error) {
      if (error instanceof HttpError) {
        req.resume();
        throw new EpcisHttpError(error.status, 'SecurityException', error.message, [], error.headers);
      }
      throw error;
    }
  }

  return async (req, res, url) => {
    const path = url.pathname;
    if (path !== '/epcis' && !path.startsWith('/epcis/')) return false;
    try {
      const parts = path.split('/').slice(2); // after "/epcis"
      const method = req.method ?? 'GET';
      const allow = (methods: string[]) => {
        if (method === 'OPTIONS') {
          res.writeHead(204, { allow: methods.join(', '), ...standardHeaders, ...limitHeaders });
          res.end();
          return false;
        }
        if (!methods.includes(method)) {
          throw new EpcisHttpError(405, 'MethodNotAllowedException', `${method} is not allowed on ${path}; use ${methods.join(' or ')}`, [], {
            allow: methods.join(', '),
          });
        }
        return true;
      };
      const known =
        (parts[0] === 'capture' && (parts.length === 1 || parts.length === 2)) ||
        (parts[0] === 'events' && (parts.length === 1 || parts.length === 2)) ||
        (parts[0] === 'epcs' && parts.length === 3 && parts[2] === 'events');
      // Every EPCIS resource needs an identity; OPTIONS (capability discovery) does not.
      const identity = method === 'OPTIONS' || !known ? null : await identify(req);
      if (parts[0] === 'capture' && parts.length === 1) {
        if (allow(['POST'])) await capture(req, res, identity as Identity);
      } else if (parts[0] === 'capture' && parts.length === 2) {
        if (!allow(['GET'])) return true;
        const job = await findCaptureJob(options.db, decodeSegment(parts[1] as string));
        if (!job || !(seesEveryPartner(identity as Identity) || job.partner === (identity as Identity).partner)) throw new EpcisHttpError(404, 'NoSuchResourceException', `no capture job ${parts[1]} on this node`);
        sendJson(res, 200, job);
      } else if (parts[0] === 'events' && parts.length === 1) {
        if (allow(['GET'])) await query(res, url, identity as Identity);
      } else if (parts[0] === 'events' && parts.length === 2) {
        if (allow(['GET'])) await query(res, url, identity as Identity, { EQ_eventID: [decodeSegment(parts[1] as string)] }, true);
      } else if (parts[0] === 'epcs' && parts.length === 3 && parts[2] === 'events') {
        if (allow(['GET'])) await query(res, url, identity as Identity, { MATCH_anyEPC: [decodeSegment(parts[1] as string)] });
      } else {
        throw new EpcisHttpError(404, 'NoSuchResourceException', `no EPCIS resource at ${path}; see /epcis/capture, /epcis/events, /epcis/events/{eventID}, /epcis/epcs/{epc}/events`);
      }
    } catch (error) {
      if (!(error instanceof EpcisHttpError)) throw error;
      sendProblem(res, error);
    }
    return true;
  };
}

/** The EPCIS 2.0 query result document. */
function queryDocument(events: Record<string, unknown>[]) {
  return {
    '@context': [EPCIS_CONTEXT],
    type: 'EPCISQueryDocument',
    schemaVersion: '2.0',
    creationDate: new Date().toISOString(),
    epcisBody: { queryResults: { queryName: 'SimpleEventQuery', resultsBody: { eventList: events } } },
  };
}
