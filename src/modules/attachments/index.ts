export { createAttachmentsService, type AttachmentsService, type Attachment, ATTACHABLE, type Attachable } from './attachments.service';
