/** The NemoVideo API client core: everything a node needs, no n8n import. */
export { NemoClient, type NemoClientOptions, type SessionHandle } from './client';
export { NemoApiError, amendError, isNemoApiError, inputError, cancelledError, exportRefusedAdvice, settle, truncate, SESSION_NOT_FOUND_ADVICE, type NemoErrorKind } from './errors';
export { deriveClientId, clearTokenCache, parseTrialTokenAnswer, type TrialToken, type TrialTokenStore } from './auth';
export { clearRateLimiters } from './rate-limit';
export { type ExportRefusal, clearExportRefusals } from './export-refusals';
export { redactDeep, redactSecrets, registerSecret, serviceText } from './redact';
export { checkSessionId, type SessionState } from './session-state';
export { UPLOAD_CHUNK_BYTES, checkFile, checkMediaUrl, type UploadedFile } from './upload';
export { type ByteSource, type FileToUpload, acceptedKinds, checkFileKind, extensionOf, formatBytes } from './media-files';
export { type RenderStatus, type RenderDownload, type StoreDownload, type PollingOptions } from './render';
export { type HttpHelpers, type HttpRequestSpec, type HttpResponse, type ResponseBody, type Sleep, FilePart, MultipartForm } from './http';
export { type MessageResult, type RecoveryOptions } from './send-message';
export { type StreamLimits } from './message-stream';
export { type Timeline, type TimelineTrack, type TimelineSegment, decodeDraft, summarizeTimeline } from './timeline';
export { type CreditBalance } from './credits';
export { DEFAULT_BASE_URL, MAX_UPLOAD_BYTES } from './constants';
export type { Attribution } from './transport';
