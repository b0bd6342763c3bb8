export { createSetupService, type SetupService } from './setup.service';
