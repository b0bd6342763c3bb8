// /api/v1/jobs: scheduled jobs with their recent runs, and "run now".
import type { FastifyInstance } from 'fastify';
import { NotFoundError } from '../../lib/errors';
import { dataOf, responses } from '../../lib/api-schemas';

const runSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' }, job: { type: 'string' }, slot: { type: 'string' }, status: { type: 'string' }, attempts: { type: 'integer' },
    started_at: { type: 'string' }, finished_at: { type: ['string', 'null'] }, host: { type: 'string' }, error: { type: ['string', 'null'] },
  },
} as const;
const jobSchema = { type: 'object', properties: { name: { type: 'string' }, schedule: { type: ['string', 'null'] }, runs: { type: 'array', items: runSchema } } } as const;
const nameParams = { type: 'object', additionalProperties: false, required: ['name'], properties: { name: { type: 'string', pattern: '^[a-z0-9_.-]{1,100}$' } } } as const;

export default async function jobsApi(app: FastifyInstance): Promise<void> {
  const tags = ['jobs'];
  app.get('/jobs', {
    config: { permission: 'jobs.read' },
    schema: { tags, summary: 'Registered jobs and their last runs', response: responses({ 200: { type: 'object', properties: { data: { type: 'array', items: jobSchema }, next_cursor: { type: 'null' } } } }) },
  }, async () => ({
    data: await Promise.all(app.jobs.list().map(async (j) => ({ ...j, runs: await app.jobs.recentRuns(j.name, 10) }))),
    next_cursor: null,
  }));

  app.post<{ Params: { name: string } }>('/jobs/:name/run', {
    config: { permission: 'jobs.update' },
    schema: { tags, summary: 'Run a job now and wait for it; 409 if it is already running', params: nameParams, response: responses({ 200: dataOf(runSchema) }) },
  }, async (req, reply) => {
    if (!app.jobs.list().some((j) => j.name === req.params.name)) throw new NotFoundError('job');
    const run = await app.jobs.runNow(req.params.name);
    if (!run) return reply.code(409).send({ error: { code: 'conflict', message: 'the job is running already', requestId: req.id } });
    return { data: run };
  });
}
