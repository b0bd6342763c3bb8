// /api/v1/teams: the team tree.
import type { FastifyInstance } from 'fastify';
import { dataOf, idParams, responses } from '../../lib/api-schemas';
import { versionFrom } from '../../plugins/versioning';
import { teamCreateSchema, teamSchema, teamUpdateSchema, type TeamCreate, type TeamUpdate } from './teams.schemas';

export default async function teamsApi(app: FastifyInstance): Promise<void> {
  const { teams } = app.services;
  const tags = ['teams'];
  type IdReq = { Params: { id: number } };

  app.get('/teams', {
    config: { permission: 'teams.read' },
    schema: { tags, summary: 'Every team, in tree order (by path)', response: responses({ 200: { type: 'object', properties: { data: { type: 'array', items: teamSchema }, next_cursor: { type: 'null' } } } }) },
  }, async (req) => ({ data: await teams.list(req.actor!), next_cursor: null }));

  app.get<IdReq>('/teams/:id', {
    config: { permission: 'teams.read' },
    schema: { tags, summary: 'One team', params: idParams, response: responses({ 200: dataOf(teamSchema) }) },
  }, async (req) => ({ data: await teams.get(req.actor!, req.params.id) }));

  app.post('/teams', {
    config: { permission: 'teams.create' },
    schema: { tags, summary: 'Create a team, optionally under a parent', body: teamCreateSchema, response: responses({ 201: dataOf(teamSchema) }) },
  }, async (req, reply) => reply.code(201).send({ data: await teams.create(req.actor!, req.body as TeamCreate) }));

  app.patch<IdReq>('/teams/:id', {
    config: { permission: 'teams.update' },
    schema: { tags, summary: 'Rename or move a team (its sub-teams move with it)', params: idParams, body: { ...teamUpdateSchema, required: [], minProperties: 1 }, response: responses({ 200: dataOf(teamSchema) }) },
  }, async (req) => ({ data: await teams.update(req.actor!, req.params.id, versionFrom<TeamUpdate>(req)) }));

  app.delete<IdReq>('/teams/:id', {
    config: { permission: 'teams.delete' },
    schema: { tags, summary: 'Delete an empty team', params: idParams, response: responses({ 204: { type: 'null' } }) },
  }, async (req, reply) => {
    await teams.remove(req.actor!, req.params.id);
    return reply.code(204).send();
  });
}
