export { createLeadsService, matches, type LeadsService, type RoutingRule, type ScoringRule, type LeadSettings } from './leads.service';
