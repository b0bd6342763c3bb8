export { createTimelineService, type TimelineService, type TimelineItem } from './timeline.service';
