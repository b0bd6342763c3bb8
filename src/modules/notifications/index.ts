export { createNotificationsService, type NotificationsService, type Notification } from './notifications.service';
