export { createTagsService, type TagsService, type Tag } from './tags.service';
