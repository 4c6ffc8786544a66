/** Request header the proxy sets to the page being opened: layouts are not told their URL. */
export const PATH_HEADER = "x-portcullis-path";
