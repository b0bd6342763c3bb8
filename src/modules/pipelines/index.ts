export { createPipelinesService, stageName, pipelineName, lostReasonName, type PipelinesService, type Pipeline, type Stage, type LostReason } from './pipelines.service';
