export { createUsersService, normalizeEmail, type UsersService } from './users.service';
export type { User, UserCreate, UserUpdate } from './users.schemas';
