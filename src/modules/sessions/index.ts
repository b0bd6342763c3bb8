export { createSessionsService, type SessionsService, type RequestSource, type OpenedSession } from './sessions.service';
