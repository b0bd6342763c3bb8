// /api/v1/activities and /api/v1/tasks: the communication log and follow-ups.
import type { FastifyInstance } from 'fastify';
import { dataOf, idParams, listOf, responses } from '../../lib/api-schemas';
import { listQuerySchema, type ListQuery } from '../../lib/listing';
import { versionFrom } from '../../plugins/versioning';
import { taskCreateSchema, taskSchema, taskUpdateSchema, tasksListSpec } from '../tasks/tasks.schemas';
import type { TaskInput } from '../tasks';
import { activitiesListSpec, activityCreateSchema, activitySchema, activityUpdateSchema } from './activities.schemas';
import type { ActivityInput } from './activities.service';

const parentFilter = {
  parent_type: { type: 'string', enum: ['companies', 'contacts'], description: 'Only those linked to this record...' },
  parent_id: { type: 'integer', minimum: 1, description: '...with this id.' },
};

export default async function activitiesApi(app: FastifyInstance): Promise<void> {
  const { activities, tasks } = app.services;
  type IdReq = { Params: { id: number } };

  for (const [type, service, spec, schema, createSchema, updateSchema, summary] of [
    ['activities', activities, activitiesListSpec, activitySchema, activityCreateSchema, activityUpdateSchema, 'activity'],
    ['tasks', tasks, tasksListSpec, taskSchema, taskCreateSchema, taskUpdateSchema, 'task'],
  ] as const) {
    const tags = [type];
    app.get(`/${type}`, {
      config: { permission: `${type}.read` },
      schema: { tags, summary: `List ${type} you may see (yours, and those on records you may see)`, querystring: listQuerySchema(spec, parentFilter), response: responses({ 200: listOf(schema) }) },
    }, async (req) => service.list(req.actor!, req.query as ListQuery));
    app.get<IdReq>(`/${type}/:id`, {
      config: { permission: `${type}.read` },
      schema: { tags, summary: `One ${summary}`, params: idParams, response: responses({ 200: dataOf(schema) }) },
    }, async (req) => ({ data: await service.get(req.actor!, req.params.id) }));
    app.post(`/${type}`, {
      config: { permission: `${type}.create` },
      schema: { tags, summary: type === 'activities' ? 'Log an activity; a next step with a date creates a follow-up task' : 'Create a task', body: createSchema, response: responses({ 201: dataOf(schema) }) },
    }, async (req, reply) => reply.code(201).send({ data: await (service.create as (a: typeof req.actor, i: ActivityInput | TaskInput) => Promise<unknown>)(req.actor!, req.body as ActivityInput & TaskInput) }));
    app.patch<IdReq>(`/${type}/:id`, {
      config: { permission: `${type}.update` },
      schema: { tags, summary: `Change a ${summary}${type === 'tasks' ? ' (done: true completes it)' : ''}`, params: idParams, body: { ...updateSchema, required: [], minProperties: 1 }, response: responses({ 200: dataOf(schema) }) },
    }, async (req) => ({ data: await service.update(req.actor!, req.params.id, versionFrom(req)) }));
    app.delete<IdReq>(`/${type}/:id`, {
      config: { permission: `${type}.delete` },
      schema: { tags, summary: `Delete a ${summary}`, params: idParams, response: responses({ 204: { type: 'null' } }) },
    }, async (req, reply) => {
      await service.remove(req.actor!, req.params.id);
      return reply.code(204).send();
    });
  }
}
