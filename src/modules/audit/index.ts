export { createAuditLogService, type AuditLogService } from './audit.service';
export type { PresentedEntry, PresentedChange } from './audit.schemas';
