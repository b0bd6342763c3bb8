export { createRolesService, type RolesService, type Role } from './roles.service';
