// Does not parse: the code lens shows nothing here (and no error pop-up).
export function unfinished( {
  return 1;
