export { createAuthService, type AuthService } from './auth.service';
