export { createTeamsService, type TeamsService } from './teams.service';
export type { Team, TeamCreate, TeamUpdate } from './teams.schemas';
