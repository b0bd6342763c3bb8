export { createTasksService, type TasksService, type TaskInput } from './tasks.service';
