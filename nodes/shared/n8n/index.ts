/** The n8n side of the shared helpers: what node files import. */
export { CREDENTIAL_NAME } from './client-factory';
export { executeNemoNode } from './execute';
export { runEdit, uploadedFileJson } from './edit-flow';
export { exportSession, deliverRender, renderFields } from './export-flow';
export { fileFromBinaryProperty } from './binary';
export * from './parameters';
