export { createActivitiesService, type ActivitiesService, type ActivityInput } from './activities.service';
