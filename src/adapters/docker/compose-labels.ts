/**
 * The labels compose puts on every container it creates. dockstage finds a
 * project's containers by them, and keeps them on a replacement so compose
 * still owns it.
 */
export const PROJECT_LABEL = 'com.docker.compose.project';
/** The service a container belongs to. */
export const SERVICE_LABEL = 'com.docker.compose.service';
/** The replica number, 1 for a service with one container. */
export const NUMBER_LABEL = 'com.docker.compose.container-number';
/** The image ID compose compares with the service's image to decide whether to recreate. */
export const IMAGE_LABEL = 'com.docker.compose.image';
