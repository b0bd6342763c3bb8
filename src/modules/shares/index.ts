export { createSharesService, type SharesService, type Share, SHAREABLE_TYPES, type ShareableType } from './shares.service';
