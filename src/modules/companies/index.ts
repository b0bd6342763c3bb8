export { createCompaniesService, type CompaniesService } from './companies.service';
