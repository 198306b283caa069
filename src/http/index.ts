/**
 * Objects over HTTP with Web `Request`/`Response` only: for Service Workers, `Deno.serve`, Node 20+,
 * Bun and handler frameworks such as hono. Also the package subpath `nats-objectstore-web/http`.
 * @module
 */
export { objectResponse, type ObjectResponseOptions } from "./object-response.js";
export {
  handleObjectRequest, objectPath, parseObjectPath, DEFAULT_PREFIX, type ObjectPath, type ObjectRouteOptions,
} from "./object-router.js";
export { errorResponse, responseForError, statusForError, ERROR_CODE_HEADER } from "./error-response.js";
export { contentDisposition } from "./content-disposition.js";
export { decideRange, contentRange, unsatisfiedRange, type RangeDecision } from "../core/http-range.js";
export { entityTag, ifNoneMatchMatches, ifRangeAllows, notModifiedSince, type TaggedObject } from "../core/http-validators.js";
export { objectContentType, typeFromName, OCTET_STREAM, type TypedObject } from "../core/media-type.js";
